import type postgres from "postgres";
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, latencyQuantile, type LatencyReport, type LatencySide } from "../latency/histogram";
import { controlSql } from "~/utils/db.server";

type Tx = postgres.TransactionSql;

interface LatencyRow {
  minute: string;
  cohort: string;
  table: string;
  operation: string;
  side: LatencySide;
  count: number;
  errors: number;
  sumMs: number;
  buckets: number[];
}

/**
 * Adds a batch's latency reports to the stored histograms, per minute, cohort, table, operation and side, inside
 * the transaction that stages the batch (so an Idempotency-Key replay adds nothing). Reports of one series are
 * merged first (an upsert may not touch a row twice) and written in key order, so concurrent batches wait
 * instead of deadlocking. A batch has one row per series and minute at most: this stays a small write.
 */
export async function writeLatencies(tx: Tx, reports: readonly LatencyReport[]): Promise<void> {
  if (reports.length === 0) return;
  const byKey = new Map<string, LatencyRow>();
  for (const r of reports) {
    const at = new Date(r.windowStart).getTime();
    const minute = new Date(at - (at % 60_000)).toISOString();
    const cohort = r.cohort ?? "";
    const key = `${minute}\u0000${cohort}\u0000${r.table}\u0000${r.operation}\u0000${r.side}`;
    const row = byKey.get(key);
    if (row) {
      row.count += r.count;
      row.errors += r.errors;
      row.sumMs += r.sumMs;
      for (let i = 0; i < LATENCY_BUCKETS; i++) row.buckets[i] += r.buckets[i];
    } else {
      byKey.set(key, { minute, cohort, table: r.table, operation: r.operation, side: r.side, count: r.count, errors: r.errors, sumMs: r.sumMs, buckets: [...r.buckets] });
    }
  }
  const rows = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  // Counts are capped per report (app/latency/validate.ts), so a row's sums stay far inside bigint.
  await tx`
    insert into operation_latency (minute, cohort_id, table_name, operation, side, count, errors, sum_ms, buckets)
    select u.minute::timestamptz, u.cohort_id, u.table_name, u.operation, u.side::latency_side, u.count, u.errors, u.sum_ms, u.buckets::bigint[]
    from unnest(${rows.map((r) => r.minute)}::text[], ${rows.map((r) => r.cohort)}::text[], ${rows.map((r) => r.table)}::text[],
      ${rows.map((r) => r.operation)}::text[], ${rows.map((r) => r.side)}::text[], ${rows.map((r) => r.count)}::bigint[],
      ${rows.map((r) => r.errors)}::bigint[], ${rows.map((r) => r.sumMs)}::float8[], ${rows.map((r) => `{${r.buckets.join(",")}}`)}::text[])
      as u(minute, cohort_id, table_name, operation, side, count, errors, sum_ms, buckets)
    on conflict (minute, cohort_id, table_name, operation, side) do update set
      count = operation_latency.count + excluded.count,
      errors = operation_latency.errors + excluded.errors,
      sum_ms = operation_latency.sum_ms + excluded.sum_ms,
      buckets = (select array_agg(a + b order by i) from unnest(operation_latency.buckets, excluded.buckets) with ordinality as m(a, b, i))`;
}

/** One side's figures over a period, read from its merged histogram (ms). */
export interface SideLatency {
  count: number;
  errors: number;
  /** errors / count. */
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
  meanMs: number;
}

export interface LatencyFilter {
  since: Date;
  until?: Date;
  /** A cohort's id, "" for users no cohort decides; undefined for every cohort. */
  cohortId?: string;
  table?: string;
  operation?: string;
}

interface Histogram {
  keys: [string, string, string];
  side: LatencySide;
  errors: number;
  sumMs: number;
  buckets: number[];
}

type Grouping = "operation" | "series" | "all" | { binMinutes: number };

/** The stored histograms under a filter, added up per group and side (bucket by bucket, in SQL). */
async function histograms(grouping: Grouping, filter: LatencyFilter): Promise<Histogram[]> {
  const sql = controlSql();
  const [k1, k2, k3] =
    grouping === "operation"
      ? [sql`table_name`, sql`operation`, sql`''`]
      : grouping === "series"
      ? [sql`cohort_id`, sql`table_name`, sql`operation`]
      : grouping === "all"
      ? [sql`''`, sql`''`, sql`''`]
      : [sql`to_char(date_bin(make_interval(mins => ${grouping.binMinutes}), minute, timestamptz 'epoch') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`, sql`''`, sql`''`];
  const until = filter.until?.toISOString() ?? null;
  const rows = await sql`
    with f as (
      select ${k1} as k1, ${k2} as k2, ${k3} as k3, side, errors, sum_ms, buckets from operation_latency
      where minute >= ${filter.since.toISOString()}::timestamptz and (${until}::timestamptz is null or minute < ${until}::timestamptz)
        and (${filter.cohortId ?? null}::text is null or cohort_id = ${filter.cohortId ?? null})
        and (${filter.table ?? null}::text is null or table_name = ${filter.table ?? null})
        and (${filter.operation ?? null}::text is null or operation = ${filter.operation ?? null})
    ),
    totals as (select k1, k2, k3, side, sum(errors)::float8 as errors, sum(sum_ms)::float8 as sum_ms from f group by 1, 2, 3, 4),
    counts as (
      select k1, k2, k3, side, i, sum(v)::float8 as n from f, unnest(f.buckets) with ordinality as u(v, i) group by 1, 2, 3, 4, 5
    )
    select t.k1, t.k2, t.k3, t.side::text as side, t.errors, t.sum_ms,
      (select array_agg(c.n order by c.i) from counts c where c.k1 = t.k1 and c.k2 = t.k2 and c.k3 = t.k3 and c.side = t.side)::float8[] as buckets
    from totals t order by 1, 2, 3, 4`;
  return rows.map((r) => ({
    keys: [r.k1, r.k2, r.k3],
    side: r.side as LatencySide,
    errors: Number(r.errors),
    sumMs: Number(r.sum_ms),
    buckets: (r.buckets as (number | string)[]).map(Number),
  }));
}

function figures(h: Histogram): SideLatency {
  const count = h.buckets.reduce((a, b) => a + b, 0);
  return {
    count,
    errors: h.errors,
    errorRate: count > 0 ? h.errors / count : 0,
    p50: latencyQuantile(h.buckets, 0.5) ?? 0,
    p95: latencyQuantile(h.buckets, 0.95) ?? 0,
    p99: latencyQuantile(h.buckets, 0.99) ?? 0,
    meanMs: count > 0 ? h.sumMs / count : 0,
  };
}

export interface OperationLatency {
  table: string;
  operation: string;
  source: SideLatency | null;
  target: SideLatency | null;
  /** target p99 / source p99, when both sides were timed. */
  p99Ratio: number | null;
}

/** Each table and operation's figures per side, the operations where the target is slowest (against the source) first. */
export async function latencyByOperation(filter: LatencyFilter): Promise<OperationLatency[]> {
  const byOperation = new Map<string, OperationLatency>();
  for (const h of await histograms("operation", filter)) {
    const key = `${h.keys[0]}\u0000${h.keys[1]}`;
    const row = byOperation.get(key) ?? { table: h.keys[0], operation: h.keys[1], source: null, target: null, p99Ratio: null };
    row[h.side] = figures(h);
    byOperation.set(key, row);
  }
  const rows = [...byOperation.values()];
  for (const row of rows) row.p99Ratio = row.source && row.target && row.source.p99 > 0 ? row.target.p99 / row.source.p99 : null;
  return rows.sort(
    (a, b) => (b.p99Ratio ?? -1) - (a.p99Ratio ?? -1) || (b.target?.p99 ?? 0) - (a.target?.p99 ?? 0) || a.table.localeCompare(b.table),
  );
}

export interface LatencyPoint {
  /** Start of the bin (ISO). */
  at: string;
  source: SideLatency | null;
  target: SideLatency | null;
}

/** p50/p95/p99 and error rate per side in bins of `binMinutes`, oldest first (the Performance page's chart). */
export async function latencyOverTime(filter: LatencyFilter, binMinutes: number): Promise<LatencyPoint[]> {
  const byBin = new Map<string, LatencyPoint>();
  for (const h of await histograms({ binMinutes }, filter)) {
    const point = byBin.get(h.keys[0]) ?? { at: h.keys[0], source: null, target: null };
    point[h.side] = figures(h);
    byBin.set(h.keys[0], point);
  }
  return [...byBin.values()].sort((a, b) => (a.at < b.at ? -1 : 1));
}

/** Everything under a filter, per side (the Overview card; a cohort's gate). */
export async function sideLatency(filter: LatencyFilter): Promise<Record<LatencySide, SideLatency | null>> {
  const result: Record<LatencySide, SideLatency | null> = { source: null, target: null };
  for (const h of await histograms("all", filter)) result[h.side] = figures(h);
  return result;
}

/** A cohort's figures per side over its last `windowMinutes` (the latency gate, the Performance page). */
export function cohortSideLatency(cohortId: string, windowMinutes: number, now = new Date()): Promise<Record<LatencySide, SideLatency | null>> {
  return sideLatency({ since: new Date(now.getTime() - windowMinutes * 60_000), cohortId });
}

export interface LatencyMetricSeries {
  /** "" when no cohort decided the users. */
  cohort: string;
  table: string;
  operation: string;
  side: LatencySide;
  /** Cumulative counts at each bound (seconds), as a Prometheus histogram's `le` buckets, +Inf last. */
  buckets: { le: number; count: number }[];
  count: number;
  sumSeconds: number;
  errors: number;
}

/**
 * Every stored series' histogram summed over all time, in Prometheus's shape (cumulative buckets, seconds): what
 * /metrics exposes as `cutover_latency_seconds` (app/metrics/latency.server.ts). Sums over every stored minute
 * only ever grow, so they behave as the counters Prometheus expects.
 */
export async function latencySummaryForMetrics(): Promise<LatencyMetricSeries[]> {
  const rows = await histograms("series", { since: new Date(0) });
  return rows.map((h) => {
    let cumulative = 0;
    const buckets = h.buckets.map((n, i) => {
      cumulative += n;
      return { le: i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] / 1000 : Infinity, count: cumulative };
    });
    return { cohort: h.keys[0], table: h.keys[1], operation: h.keys[2], side: h.side, buckets, count: cumulative, sumSeconds: h.sumMs / 1000, errors: h.errors };
  });
}
