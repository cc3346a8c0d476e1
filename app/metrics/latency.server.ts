import { OTHER_LABEL } from "./bounded-labels";
import { histogramSamples, type MetricFamily, type MetricSample } from "./prometheus";
import { latencySummaryForMetrics, type LatencyMetricSeries } from "~/models/operation-latency.server";

/**
 * Table and operation pairs with series of their own; later ones are summed into table="_other",
 * operation="_other". Pairs are kept in the order they were first reported (not by size), so a pair never moves
 * between its own series and the other one, which would read as a counter reset.
 */
export const OPERATION_LABEL_LIMIT = 100;

/**
 * The clients' timings per side, table and operation as Prometheus histograms (seconds), and their failures as a
 * counter: totals since each series was first reported, for rate() and histogram_quantile() (see the
 * CutoverTargetP99OverBudget rule in deploy/prometheus/cutover-alerts.yml).
 */
export async function latencyMetrics(): Promise<MetricFamily[]> {
  const series = await latencySummaryForMetrics();
  const kept = new Set<string>();
  const merged = new Map<string, LatencyMetricSeries>();
  for (const s of series) {
    const pair = `${s.table}\u0000${s.operation}`;
    if (!kept.has(pair) && kept.size < OPERATION_LABEL_LIMIT) kept.add(pair);
    const [table, operation] = kept.has(pair) ? [s.table, s.operation] : [OTHER_LABEL, OTHER_LABEL];
    const key = `${table}\u0000${operation}\u0000${s.side}`;
    const into = merged.get(key);
    if (!into) {
      merged.set(key, { ...s, table, operation, buckets: s.buckets.map((b) => ({ ...b })) });
      continue;
    }
    s.buckets.forEach((b, i) => (into.buckets[i].count += b.count));
    into.count += s.count;
    into.sumSeconds += s.sumSeconds;
    into.errors += s.errors;
  }
  const durations: MetricSample[] = [];
  const errors: MetricSample[] = [];
  for (const s of merged.values()) {
    const labels = { side: s.side, table: s.table, operation: s.operation };
    durations.push(...histogramSamples(labels, s.buckets, s.sumSeconds));
    errors.push({ labels, value: s.errors });
  }
  return [
    {
      name: "cutover_operation_duration_seconds",
      help: "Mirrored writes and shadow reads timed by the application servers' client, per side, table and operation (failed calls included)",
      type: "histogram",
      samples: durations,
    },
    { name: "cutover_operation_errors_total", help: "Timed calls that failed, per side, table and operation", type: "counter", samples: errors },
  ];
}
