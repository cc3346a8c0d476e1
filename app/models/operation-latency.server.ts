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
    addToSeries(byKey, key, r, () => ({ minute, cohort, table: r.table, operation: r.operation, side: r.side }));
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
  await addToTotals(tx, rows);
}

/**
 * The same reports added to each series' all-time totals (what /metrics exports), merged per table, operation
 * and side and written in key order after the minutes, so concurrent batches take the row locks in one order.
 */
async function addToTotals(tx: Tx, minutes: readonly LatencyRow[]) {
  const byKey = new Map<string, Omit<LatencyRow, "minute" | "cohort">>();
  for (const r of minutes) {
    addToSeries(byKey, `${r.table}\u0000${r.operation}\u0000${r.side}`, r, () => ({ table: r.table, operation: r.operation, side: r.side }));
  }
  const rows = [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  await tx`
    insert into operation_latency_totals (table_name, operation, side, count, errors, sum_ms, buckets)
    select u.table_name, u.operation, u.side::latency_side, u.count, u.errors, u.sum_ms, u.buckets::bigint[]
    from unnest(${rows.map((r) => r.table)}::text[], ${rows.map((r) => r.operation)}::text[], ${rows.map((r) => r.side)}::text[],
      ${rows.map((r) => r.count)}::bigint[], ${rows.map((r) => r.errors)}::bigint[], ${rows.map((r) => r.sumMs)}::float8[],
      ${rows.map((r) => `{${r.buckets.join(",")}}`)}::text[])
      as u(table_name, operation, side, count, errors, sum_ms, buckets)
    on conflict (table_name, operation, side) do update set
      count = operation_latency_totals.count + excluded.count,
      errors = operation_latency_totals.errors + excluded.errors,
      sum_ms = operation_latency_totals.sum_ms + excluded.sum_ms,
      buckets = (select array_agg(a + b order by i) from unnest(operation_latency_totals.buckets, excluded.buckets) with ordinality as m(a, b, i))`;
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

type Grouping = "operation" | "all" | { binMinutes: number };

/** The stored histograms under a filter, added up per group and side (bucket by bucket, in SQL). */
async function histograms(grouping: Grouping, filter: LatencyFilter): Promise<Histogram[]> {
  const sql = controlSql();
  const [k1, k2, k3] =
    grouping === "operation"
      ? [sql`table_name`, sql`operation`, sql`''`]
      : grouping === "all"
        ? [sql`''`, sql`''`, sql`''`]
        : [
            sql`to_char(date_bin(make_interval(mins => ${grouping.binMinutes}), minute, timestamptz 'epoch') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS"Z"')`,
            sql`''`,
            sql`''`,
          ];
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
  return rows.sort((a, b) => (b.p99Ratio ?? -1) - (a.p99Ratio ?? -1) || (b.target?.p99 ?? 0) - (a.target?.p99 ?? 0) || a.table.localeCompare(b.table));
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
 * Every series' histogram since it was first reported (operation_latency_totals, all cohorts together), in
 * Prometheus's shape (cumulative buckets, seconds), oldest series first: what /metrics exposes as
 * `cutover_operation_duration_seconds`. The totals only ever grow, as Prometheus expects of a histogram.
 */
export async function latencySummaryForMetrics(): Promise<LatencyMetricSeries[]> {
  const rows = await controlSql()<{ table: string; operation: string; side: LatencySide; errors: string; sum_ms: number; buckets: string[] }[]>`
    select table_name as table, operation, side::text as side, errors::text, sum_ms, buckets::text[] as buckets
    from operation_latency_totals order by id`;
  return rows.map((r) => {
    let cumulative = 0;
    const buckets = r.buckets.map((n, i) => {
      cumulative += Number(n);
      return { le: i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] / 1000 : Infinity, count: cumulative };
    });
    return { table: r.table, operation: r.operation, side: r.side, buckets, count: cumulative, sumSeconds: r.sum_ms / 1000, errors: Number(r.errors) };
  });
}

/**
 * Minutes of timings kept for the pages and gates: four times the Performance page's longest period (7 days).
 * /metrics reads the all-time totals, which pruning leaves alone.
 */
export const LATENCY_RETENTION_DAYS = 30;
/** Rows per delete: each statement holds its locks briefly while reports keep arriving. */
const PRUNE_BATCH_ROWS = 20_000;

/** Deletes the stored minutes older than the retention, a batch at a time; returns how many went. */
export async function pruneOperationLatency(now = new Date(), retentionDays = LATENCY_RETENTION_DAYS): Promise<number> {
  const sql = controlSql();
  const before = new Date(now.getTime() - retentionDays * 86_400_000).toISOString();
  let deleted = 0;
  for (;;) {
    // The primary key leads with the minute, so the old rows are one index range.
    const rows = await sql`
      delete from operation_latency where ctid = any(array(
        select ctid from operation_latency where minute < ${before}::timestamptz limit ${PRUNE_BATCH_ROWS}))`;
    deleted += rows.count;
    if (rows.count < PRUNE_BATCH_ROWS) return deleted;
  }
}

interface LatencySums {
  count: number;
  errors: number;
  sumMs: number;
  buckets: number[];
}

/** Adds one report's sums to its series in `byKey` (created from `labels` the first time): histograms merge by addition. */
function addToSeries<T extends LatencySums>(byKey: Map<string, T>, key: string, sums: Readonly<LatencySums>, labels: () => Omit<T, keyof LatencySums>) {
  const row = byKey.get(key);
  if (!row) {
    byKey.set(key, { ...labels(), count: sums.count, errors: sums.errors, sumMs: sums.sumMs, buckets: [...sums.buckets] } as T);
    return;
  }
  row.count += sums.count;
  row.errors += sums.errors;
  row.sumMs += sums.sumMs;
  for (let i = 0; i < LATENCY_BUCKETS; i++) row.buckets[i] += sums.buckets[i];
}
