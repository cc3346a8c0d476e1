import type postgres from "postgres";
import { z } from "zod";
import {
  MISMATCH_KINDS,
  MISMATCH_ORIGINS,
  MISMATCH_STATUSES,
  type MismatchKind,
  type MismatchOrigin,
  type MismatchStatus,
} from "../mismatches/contract";
import { compareRows, type RowComparison } from "../normalization";
import type { Actor } from "./audit.server";
import { listActiveRules } from "./normalization-rule.server";
import { controlSql } from "~/utils/db.server";

// Queries here use raw postgres.js (controlSql): keyset pagination needs row comparisons and full-precision
// timestamps. On that shared client drizzle leaves timestamps as PostgreSQL text, which keeps microseconds.

export const MISMATCH_SORTS = ["last_seen", "first_seen", "occurrences"] as const;
export type MismatchSort = (typeof MISMATCH_SORTS)[number];

const SORT_COLUMNS: Record<MismatchSort, { column: string; cast: string }> = {
  last_seen: { column: "last_seen_at", cast: "timestamptz" },
  first_seen: { column: "first_seen_at", cast: "timestamptz" },
  occurrences: { column: "occurrences", cast: "int" },
};

const optionalText = z
  .string()
  .trim()
  .max(512)
  .optional()
  .transform((v) => (v ? v : undefined));
const optionalDate = z
  .string()
  .trim()
  .optional()
  .transform((v, ctx) => {
    if (!v) return undefined;
    const ms = Date.parse(v);
    if (!Number.isFinite(ms)) {
      ctx.addIssue({ code: z.ZodIssueCode.custom, message: "not a date" });
      return z.NEVER;
    }
    return new Date(ms);
  });

/** The triage page's URL state: filters, sort, cursor. Shared by the list, the export and the grouped view. */
export const mismatchQuerySchema = z.object({
  status: z.array(z.enum(MISMATCH_STATUSES)).default([]),
  origin: z.enum(MISMATCH_ORIGINS).optional().catch(undefined),
  kind: z.enum(MISMATCH_KINDS).optional().catch(undefined),
  table: optionalText,
  cohort: optionalText,
  userId: optionalText,
  field: optionalText,
  /** The reconciliation job whose findings to list ("Open the N mismatches" on a job's page). */
  job: optionalText,
  from: optionalDate.catch(undefined),
  to: optionalDate.catch(undefined),
  sort: z.enum(MISMATCH_SORTS).default("last_seen").catch("last_seen"),
  dir: z.enum(["asc", "desc"]).default("desc").catch("desc"),
  cursor: optionalText,
  /** Page backwards: the rows just before `cursor` in the chosen order. */
  back: z.literal("1").optional().catch(undefined).transform((v) => v === "1"),
  limit: z.coerce.number().int().min(1).max(500).default(50).catch(50),
});
export type MismatchQuery = z.infer<typeof mismatchQuerySchema>;
export type MismatchFilter = Omit<MismatchQuery, "sort" | "dir" | "cursor" | "back" | "limit">;

export function parseMismatchQuery(params: URLSearchParams): MismatchQuery {
  const raw: Record<string, unknown> = Object.fromEntries(params);
  raw.status = params.getAll("status").filter((s) => (MISMATCH_STATUSES as readonly string[]).includes(s));
  return mismatchQuerySchema.parse(raw);
}

/** Every filter as one SQL condition (values always bound as parameters). */
function whereClause(sql: postgres.Sql, filter: MismatchFilter) {
  const conditions: postgres.PendingQuery<postgres.Row[]>[] = [];
  if (filter.status.length) {
    conditions.push(sql`status = any(${filter.status}::mismatch_status[])`);
    // Spelled out so the planner can use the partial index of triaged records (it cannot see into the array).
    if (!filter.status.includes("open")) conditions.push(sql`status <> 'open'`);
  }
  if (filter.origin) conditions.push(sql`origin = ${filter.origin}::mismatch_origin`);
  if (filter.kind) conditions.push(sql`kind = ${filter.kind}::mismatch_kind`);
  if (filter.table) conditions.push(sql`table_name = ${filter.table}`);
  if (filter.cohort) conditions.push(sql`cohort_id = ${filter.cohort}`);
  if (filter.userId) conditions.push(sql`user_id = ${filter.userId}`);
  if (filter.field) conditions.push(sql`differing_fields @> array[${filter.field}]::text[]`);
  if (filter.job) conditions.push(sql`reconciliation_job_id = ${filter.job}`);
  if (filter.from) conditions.push(sql`last_seen_at >= ${filter.from.toISOString()}::timestamptz`);
  if (filter.to) conditions.push(sql`last_seen_at < ${filter.to.toISOString()}::timestamptz`);
  return conditions.reduce((all, condition) => sql`${all} and ${condition}`, sql`true`);
}

export interface MismatchListRow {
  id: number;
  origin: MismatchOrigin;
  kind: MismatchKind;
  table: string;
  primaryKey: unknown;
  userId: string | null;
  cohortId: string | null;
  differingFields: string[];
  status: MismatchStatus;
  assigneeEmail: string | null;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  ignoredByRuleId: string | null;
}

function encodeCursor(value: string, id: number): string {
  return Buffer.from(JSON.stringify([value, id])).toString("base64url");
}

function decodeCursor(cursor: string): [string, number] | null {
  try {
    const parsed = JSON.parse(Buffer.from(cursor, "base64url").toString("utf8"));
    if (Array.isArray(parsed) && typeof parsed[0] === "string" && Number.isSafeInteger(parsed[1])) return [parsed[0], parsed[1]];
  } catch {
    // A mangled cursor starts from the first page rather than failing the page.
  }
  return null;
}

/**
 * One page of the triage list, keyset-paginated on (sort column, id) so a page costs the same at any depth and
 * rows with equal timestamps are neither skipped nor repeated at page boundaries.
 */
export async function listMismatches(
  query: MismatchQuery,
): Promise<{ rows: MismatchListRow[]; nextCursor: string | null; prevCursor: string | null }> {
  const sql = controlSql();
  const { column, cast } = SORT_COLUMNS[query.sort];
  // Paging back reads the same keyset in the opposite order from the page's first row, then turns it round.
  const back = query.back === true && query.cursor !== undefined;
  const desc = (query.dir === "desc") !== back;
  const cursor = query.cursor ? decodeCursor(query.cursor) : null;
  const after = cursor
    ? desc
      ? sql`and (m.${sql(column)}, m.id) < (${cursor[0]}::${sql.unsafe(cast)}, ${cursor[1]})`
      : sql`and (m.${sql(column)}, m.id) > (${cursor[0]}::${sql.unsafe(cast)}, ${cursor[1]})`
    : sql``;
  // drizzle creates the indexes DESC NULLS LAST; the columns are NOT NULL, but the planner only uses an index
  // whose null ordering matches the ORDER BY exactly (a backward scan gives ASC NULLS FIRST).
  const order = desc
    ? sql`m.${sql(column)} desc nulls last, m.id desc nulls last`
    : sql`m.${sql(column)} asc nulls first, m.id asc nulls first`;
  const where = whereClause(sql, query);
  const limit = query.limit + 1;
  const candidates =
    query.sort === "occurrences"
      ? occurrencesPage(sql, where, order, desc, cursor, limit)
      : sql`select * from mismatches m where ${where} ${after} order by ${order} limit ${limit}`;
  const rows = await sql`
    select m.id, m.origin, m.kind, m.table_name, m.primary_key, m.user_id, m.cohort_id, m.differing_fields,
      m.status, u.email as assignee_email, m.occurrences, m.first_seen_at, m.last_seen_at, m.ignored_by_rule_id,
      m.${sql(column)}::text as cursor_value
    from (${candidates}) m
    left join users u on u.id = m.assignee_id
    order by ${order}`;
  const more = rows.length > query.limit;
  const page = rows.slice(0, query.limit);
  if (back) page.reverse();
  const first = page[0];
  const last = page[page.length - 1];
  const at = (r: postgres.Row | undefined) => (r ? encodeCursor(r.cursor_value, Number(r.id)) : null);
  return {
    rows: page.map(toListRow),
    // Forward: more rows after the last one; a cursor means rows were skipped before the first. Back: the reverse.
    nextCursor: back ? at(last) : more ? at(last) : null,
    prevCursor: back ? (more ? at(first) : null) : query.cursor ? at(first) : null,
  };
}

/**
 * A page in occurrences order from the two places such records are found cheaply: records seen more than once in
 * their partial index, records seen once (most of them, all with the same sort value) in id order. Each part reads
 * at most one page; the union is sorted as one.
 */
function occurrencesPage(
  sql: postgres.Sql,
  where: postgres.PendingQuery<postgres.Row[]>,
  order: postgres.PendingQuery<postgres.Row[]>,
  desc: boolean,
  cursor: [string, number] | null,
  limit: number,
) {
  const at = cursor && /^\d+$/.test(cursor[0]) ? { occurrences: Number(cursor[0]), id: cursor[1] } : null;
  // A cursor among the records seen once has passed every repeated one (descending) or none of them (ascending).
  let repeated = sql``;
  let once = sql``;
  if (at && at.occurrences <= 1) {
    repeated = desc ? sql`and false` : sql``;
    once = desc ? sql`and m.id < ${at.id}` : sql`and m.id > ${at.id}`;
  } else if (at) {
    repeated = desc
      ? sql`and (m.occurrences, m.id) < (${at.occurrences}::int, ${at.id})`
      : sql`and (m.occurrences, m.id) > (${at.occurrences}::int, ${at.id})`;
    once = desc ? sql`` : sql`and false`;
  }
  const idOrder = desc ? sql`m.id desc` : sql`m.id asc`;
  return sql`
    select * from (
      (select * from mismatches m where ${where} and m.occurrences > 1 ${repeated} order by ${order} limit ${limit})
      union all
      (select * from mismatches m where ${where} and m.occurrences = 1 ${once} order by ${idOrder} limit ${limit})
    ) m order by ${order} limit ${limit}`;
}

function toListRow(r: postgres.Row): MismatchListRow {
  return {
    id: Number(r.id),
    origin: r.origin,
    kind: r.kind,
    table: r.table_name,
    primaryKey: r.primary_key,
    userId: r.user_id,
    cohortId: r.cohort_id,
    differingFields: r.differing_fields,
    status: r.status,
    assigneeEmail: r.assignee_email ?? null,
    occurrences: r.occurrences,
    firstSeenAt: String(r.first_seen_at),
    lastSeenAt: String(r.last_seen_at),
    ignoredByRuleId: r.ignored_by_rule_id,
  };
}

/** The support page: a user's most recent mismatches (any status). */
export async function listMismatchesForUser(userId: string, limit = 20): Promise<MismatchListRow[]> {
  const { rows } = await listMismatches({ ...mismatchQuerySchema.parse({}), userId, limit: Math.min(limit, 500) });
  return rows;
}

export interface MismatchDetail extends MismatchListRow {
  /** The name of the cohort `cohortId` names, when it is one of ours (clients may report any id). */
  cohortName: string | null;
  fingerprint: string | null;
  sourceValue: unknown;
  targetValue: unknown;
  assigneeId: string | null;
  reconciliationJobId: string | null;
  /** Who reported the row's occurrences: one record whatever the origin (they add up to `occurrences`). */
  occurrencesByOrigin: Record<MismatchOrigin, number>;
  comparison: RowComparison | null;
  notes: { id: number; authorLabel: string; body: string; createdAt: string }[];
  history: { id: number; at: string; actorLabel: string; action: string; before: unknown; after: unknown; reason: string | null }[];
}

export async function getMismatch(id: number): Promise<MismatchDetail | null> {
  const sql = controlSql();
  const [row] = await sql`
    select m.*, u.email as assignee_email, c.name as cohort_name
    from mismatches m left join users u on u.id = m.assignee_id left join cohorts c on c.id::text = m.cohort_id
    where m.id = ${id}`;
  if (!row) return null;
  const [notes, history, rules] = await Promise.all([
    sql`select id, author_label, body, created_at from mismatch_notes where mismatch_id = ${id} order by created_at, id`,
    sql`select id, at, actor_label, action, before, after, reason from audit_log
        where entity_type = 'mismatch' and entity_id = ${String(id)} order by id desc limit 100`,
    listActiveRules(),
  ]);
  const comparison =
    row.kind === "value_mismatch" || row.kind === "missing_in_target" || row.kind === "extra_in_target"
      ? compareRows(row.table_name, asRow(row.source_value), asRow(row.target_value), rules)
      : null;
  return {
    ...toListRow(row),
    cohortName: row.cohort_name,
    fingerprint: row.fingerprint,
    sourceValue: row.source_value,
    targetValue: row.target_value,
    assigneeId: row.assignee_id,
    reconciliationJobId: row.reconciliation_job_id,
    occurrencesByOrigin: {
      shadow_read: row.shadow_read_occurrences,
      dual_write_error: row.dual_write_occurrences,
      reconciliation: row.reconciliation_occurrences,
    },
    comparison,
    notes: notes.map((n) => ({ id: Number(n.id), authorLabel: n.author_label, body: n.body, createdAt: String(n.created_at) })),
    history: history.map((h) => ({
      id: Number(h.id),
      at: String(h.at),
      actorLabel: h.actor_label,
      action: h.action,
      before: h.before,
      after: h.after,
      reason: h.reason,
    })),
  };
}

function asRow(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

export interface BulkChange {
  status?: MismatchStatus;
  /** A user id, or null to unassign; undefined leaves the assignee alone. */
  assigneeId?: string | null;
  note?: string;
}

/** Applies one change to many records in one transaction, with one audit entry per record changed. */
export async function updateMismatches(actor: Actor, ids: number[], change: BulkChange): Promise<number> {
  if (ids.length === 0) return 0;
  const sql = controlSql();
  return sql.begin(async (tx) => {
    const before = await tx`select id, status, assignee_id from mismatches where id = any(${ids}::bigint[]) order by id for update`;
    for (const row of before) {
      const after: Record<string, unknown> = {};
      if (change.status && change.status !== row.status) after.status = change.status;
      if (change.assigneeId !== undefined && change.assigneeId !== row.assignee_id) after.assigneeId = change.assigneeId;
      if (Object.keys(after).length) {
        await tx`
          update mismatches set
            status = ${(after.status as string | undefined) ?? row.status}::mismatch_status,
            assignee_id = ${change.assigneeId !== undefined ? change.assigneeId : row.assignee_id}::uuid,
            updated_at = now()
          where id = ${row.id}`;
      }
      if (change.note) {
        await tx`insert into mismatch_notes (mismatch_id, author_id, author_label, body)
                 values (${row.id}, ${actor.type === "user" ? actor.id : null}, ${actor.label}, ${change.note})`;
        after.note = change.note;
      }
      if (Object.keys(after).length) {
        await tx`
          insert into audit_log (actor_type, actor_id, actor_label, action, entity_type, entity_id, before, after)
          values (${actor.type}, ${actor.id}, ${actor.label}, 'mismatch.update', 'mismatch', ${String(row.id)},
            ${JSON.stringify({ status: row.status, assigneeId: row.assignee_id })}::jsonb, ${JSON.stringify(after)}::jsonb)`;
      }
    }
    return before.length;
  });
}

export interface MismatchGroup {
  key: string;
  table: string;
  kind: MismatchKind;
  differingFields: string[];
  records: number;
  occurrences: number;
  firstSeenAt: string;
  lastSeenAt: string;
  /** Occurrences per hour over the last 24 hours, oldest first. */
  trend: number[];
}

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

export const EXPORT_COLUMNS = [
  "id",
  "origin",
  "kind",
  "table",
  "primaryKey",
  "userId",
  "cohort",
  "fingerprint",
  "differingFields",
  "status",
  "occurrences",
  "firstSeenAt",
  "lastSeenAt",
  "sourceValue",
  "targetValue",
  "ignoredByRuleId",
  "reconciliationJobId",
] as const;

/**
 * Every record matching the filter, in pages read through a server-side cursor, so an export of millions of rows
 * never sits in memory. Yields export objects (keys included).
 */
export async function* exportMismatches(filter: MismatchFilter): AsyncGenerator<Record<(typeof EXPORT_COLUMNS)[number], unknown>> {
  const sql = controlSql();
  const cursor = sql`
    select id, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint, differing_fields, status,
      occurrences, first_seen_at, last_seen_at, source_value, target_value, ignored_by_rule_id, reconciliation_job_id
    from mismatches where ${whereClause(sql, filter)} order by last_seen_at desc nulls last, id desc nulls last`.cursor(1000);
  for await (const rows of cursor) {
    for (const r of rows) {
      yield {
        id: Number(r.id),
        origin: r.origin,
        kind: r.kind,
        table: r.table_name,
        primaryKey: r.primary_key,
        userId: r.user_id,
        cohort: r.cohort_id,
        fingerprint: r.fingerprint,
        differingFields: r.differing_fields,
        status: r.status,
        occurrences: r.occurrences,
        firstSeenAt: String(r.first_seen_at),
        lastSeenAt: String(r.last_seen_at),
        sourceValue: r.source_value,
        targetValue: r.target_value,
        ignoredByRuleId: r.ignored_by_rule_id,
        reconciliationJobId: r.reconciliation_job_id,
      };
    }
  }
}
