import { formatExposition, type MetricFamily } from "./prometheus";
import { collectAndStore, readSnapshots, refreshInBackground, SNAPSHOT_FRESH_SECONDS, type Snapshot } from "./snapshot.server";
import { healthMetrics } from "./health.server";
import { schemaDriftForMetrics } from "./schema-drift.server";
import { jobMetrics } from "./jobs.server";
import { latencyMetrics } from "./latency.server";
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
  /** Served from the shared snapshot (app/metrics/snapshot.server.ts): its queries read large tables. */
  snapshot?: boolean;
}

export const metricProviders: MetricProvider[] = [
  { name: "health", collect: healthMetrics },
  { name: "rollout", collect: rolloutMetrics, snapshot: true },
  { name: "mismatches", collect: mismatchMetrics, snapshot: true },
  { name: "jobs", collect: jobMetrics },
  { name: "latency", collect: latencyMetrics, snapshot: true },
  { name: "notifications", collect: notificationMetrics },
  { name: "schema-drift", collect: schemaDriftForMetrics },
];

export async function renderMetrics(providers: readonly MetricProvider[] = metricProviders): Promise<string> {
  const snapshotted = providers.filter((p) => p.snapshot).map((p) => p.name);
  // Without the snapshots (a read that failed), every provider collects live: slower, never blind.
  const snapshots = snapshotted.length ? await readSnapshots(snapshotted).catch(() => new Map<string, Snapshot>()) : new Map<string, Snapshot>();
  const results = await Promise.all(
    providers.map(async (provider) => {
      try {
        const snapshot = snapshots.get(provider.name);
        if (snapshot) {
          if (snapshot.ageSeconds > SNAPSHOT_FRESH_SECONDS) refreshInBackground(provider.name, provider.collect);
          return { provider, snapshot, families: [] as MetricFamily[], up: 1 };
        }
        if (provider.snapshot) return { provider, snapshot: await collectAndStore(provider.name, provider.collect), families: [] as MetricFamily[], up: 1 };
        return { provider, snapshot: null, families: await provider.collect(), up: 1 };
      } catch (error) {
        // One line per failed scrape names why, since the exposition itself only says up=0.
        process.stderr.write(`metrics provider ${provider.name} failed: ${error instanceof Error ? error.message : String(error)}\n`);
        return { provider, snapshot: null, families: [] as MetricFamily[], up: 0 };
      }
    }),
  );
  const up: MetricFamily = {
    name: "cutover_metrics_provider_up",
    help: "1 if the provider's figures were collected for this scrape, 0 if it failed",
    type: "gauge",
    samples: results.map((r) => ({ labels: { provider: r.provider.name }, value: r.up })),
  };
  const age: MetricFamily = {
    name: "cutover_metrics_snapshot_age_seconds",
    help: "Age of the shared snapshot a provider's figures were served from (0: collected for this scrape)",
    type: "gauge",
    samples: results.flatMap((r) => (r.snapshot ? [{ labels: { provider: r.provider.name }, value: r.snapshot.ageSeconds }] : [])),
  };
  const live = [...results.flatMap((r) => r.families), up, age];
  // Snapshots are served as the text they were stored as; a family in two places would be one Prometheus rejects.
  const names = new Set(live.map((f) => f.name));
  for (const r of results) {
    for (const name of r.snapshot?.familyNames ?? []) {
      if (names.has(name)) throw new Error(`metric ${name} is exposed by two providers`);
      names.add(name);
    }
  }
  return results.map((r) => r.snapshot?.exposition ?? "").join("") + formatExposition(live);
}
