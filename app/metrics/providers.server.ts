import { formatExposition, type MetricFamily } from "./prometheus";
import { healthMetrics } from "./health.server";
import { schemaDriftForMetrics } from "./schema-drift.server";
import { jobMetrics } from "./jobs.server";
import { mismatchMetrics } from "./mismatches.server";
import { notificationMetrics } from "./notifications.server";
import { rolloutMetrics } from "./rollout.server";

/**
 * Everything GET /metrics exposes. Each domain adds one provider (a function returning metric families, names
 * prefixed `cutover_`); a provider that fails is reported through cutover_metrics_provider_up instead of
 * failing the whole scrape, so one broken source of figures never blinds the alerting on the others.
 */
export interface MetricProvider {
  name: string;
  collect(): Promise<MetricFamily[]>;
}

export const metricProviders: MetricProvider[] = [
  { name: "health", collect: healthMetrics },
  { name: "rollout", collect: rolloutMetrics },
  { name: "mismatches", collect: mismatchMetrics },
  { name: "jobs", collect: jobMetrics },
  { name: "notifications", collect: notificationMetrics },
  { name: "schema-drift", collect: schemaDriftForMetrics },
];

export async function renderMetrics(providers: readonly MetricProvider[] = metricProviders): Promise<string> {
  const results = await Promise.all(
    providers.map(async (provider) => {
      try {
        return { provider, families: await provider.collect(), up: 1 };
      } catch (error) {
        // One line per failed scrape names why, since the exposition itself only says up=0.
        process.stderr.write(`metrics provider ${provider.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return { provider, families: [] as MetricFamily[], up: 0 };
      }
    }),
  );
  const up: MetricFamily = {
    name: "cutover_metrics_provider_up",
    help: "1 if the provider's figures were collected for this scrape, 0 if it failed",
    type: "gauge",
    samples: results.map((r) => ({ labels: { provider: r.provider.name }, value: r.up })),
  };
  return formatExposition([...results.flatMap((r) => r.families), up]);
}
