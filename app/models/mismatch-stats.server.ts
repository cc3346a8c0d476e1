import { MISMATCH_STATUSES, type MismatchOrigin, type MismatchStatus } from "../mismatches/contract";
import type { MismatchGroup } from "../mismatches/group";
import { controlSql } from "~/utils/db.server";

export type { MismatchGroup };

/* The triage page's summaries: top groups with their sparklines, counts per hour and per status, the tables seen. */

/** Top offenders: groups by occurrences, each with a 24-hour sparkline. */
export async function listMismatchGroups(options: { table?: string; limit?: number; now?: Date; lastDay?: boolean } = {}): Promise<MismatchGroup[]> {
  const sql = controlSql();
  const limit = Math.min(options.limit ?? 50, 200);
  const now = options.now ?? new Date();
  const end = Math.floor(now.getTime() / 3_600_000) * 3_600_000 + 3_600_000;
  const start = end - 24 * 3_600_000;
  const where = options.table ? sql`g.table_name = ${options.table}` : sql`true`;
  // lastDay: ranked and counted over the same 24 hours as the trend beside them, not since the first occurrence.
  const groups = options.lastDay
    ? await sql`
    select g.key, g.table_name, g.kind, g.differing_fields, g.records, h.n as occurrences, g.first_seen_at, g.last_seen_at
    from (select group_key, sum(occurrences)::float8 as n from mismatch_hourly
          where hour >= ${new Date(start).toISOString()}::timestamptz and hour < ${new Date(end).toISOString()}::timestamptz group by 1) h
    join mismatch_groups g on g.key = h.group_key
    where ${where}
    order by h.n desc, g.key limit ${limit}`
    : await sql`
    select key, table_name, kind, differing_fields, records, occurrences::float8 as occurrences, first_seen_at, last_seen_at
    from mismatch_groups g
    where ${where}
    order by occurrences desc, key limit ${limit}`;
  if (groups.length === 0) return [];
  const hours = await sql`
    select group_key, extract(epoch from hour)::float8 * 1000 as hour_ms, sum(occurrences)::float8 as n
    from mismatch_hourly
    where group_key = any(${groups.map((g) => g.key)}::text[])
      and hour >= ${new Date(start).toISOString()}::timestamptz and hour < ${new Date(end).toISOString()}::timestamptz
    group by 1, 2`;
  const trends = new Map<string, number[]>();
  for (const h of hours) {
    const trend = trends.get(h.group_key) ?? new Array<number>(24).fill(0);
    trend[Math.floor((Number(h.hour_ms) - start) / 3_600_000)] = Number(h.n);
    trends.set(h.group_key, trend);
  }
  return groups.map((g) => ({
    key: g.key,
    table: g.table_name,
    kind: g.kind,
    differingFields: g.differing_fields,
    records: g.records,
    occurrences: Number(g.occurrences),
    firstSeenAt: String(g.first_seen_at),
    lastSeenAt: String(g.last_seen_at),
    trend: trends.get(g.key) ?? new Array<number>(24).fill(0),
  }));
}

/** Counts per hour by origin over `hours`, for the chart. */
export async function mismatchesPerHour(hours = 48, now = new Date()) {
  const sql = controlSql();
  const since = new Date(Math.floor(now.getTime() / 3_600_000) * 3_600_000 - (hours - 1) * 3_600_000);
  const rows = await sql`
    select extract(epoch from hour)::float8 * 1000 as hour_ms, origin, sum(occurrences)::float8 as n
    from mismatch_hourly where hour >= ${since.toISOString()}::timestamptz group by 1, 2 order by 1`;
  return rows.map((r) => ({ hour: new Date(Number(r.hour_ms)).toISOString(), origin: r.origin as MismatchOrigin, occurrences: Number(r.n) }));
}

/** Past this many records the status chart shows PostgreSQL's estimate: counting 1M rows took ~500 ms a page. */
export const EXACT_STATUS_COUNT_LIMIT = 200_000;

/**
 * Records by status, for the chart beside the hourly one: exact on a small table; on a large one estimated from
 * the table's statistics (row count times each status's share in ANALYZE's sample), which autovacuum refreshes.
 */
export async function mismatchStatusCounts(): Promise<{ rows: { status: MismatchStatus; records: number }[]; estimated: boolean }> {
  const sql = controlSql();
  const [stats] = await sql`
    select c.reltuples::float8 as total, s.most_common_vals::text::text[] as vals, s.most_common_freqs::float8[] as freqs
    from pg_class c
    left join pg_stats s on s.schemaname = current_schema() and s.tablename = 'mismatches' and s.attname = 'status'
    where c.oid = 'mismatches'::regclass`;
  const total = Number(stats?.total ?? -1);
  if (total >= EXACT_STATUS_COUNT_LIMIT && stats.vals) {
    const freqs = stats.freqs as number[];
    const rows = (stats.vals as MismatchStatus[]).map((status, i) => ({ status, records: Math.round(total * freqs[i]) }));
    // In the enum's order, as ORDER BY gives the exact counts.
    rows.sort((a, b) => MISMATCH_STATUSES.indexOf(a.status) - MISMATCH_STATUSES.indexOf(b.status));
    return { rows, estimated: true };
  }
  const rows = await sql`select status, count(*)::float8 as n from mismatches group by 1 order by 1`;
  return { rows: rows.map((r) => ({ status: r.status, records: Number(r.n) })), estimated: false };
}

/** Distinct tables seen, for the filter's options (from the small groups table, never the big one). */
export async function listMismatchTables(): Promise<string[]> {
  const rows = await controlSql()`select distinct table_name from mismatch_groups order by 1`;
  return rows.map((r) => r.table_name as string);
}
