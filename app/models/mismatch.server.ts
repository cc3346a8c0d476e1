import type postgres from "postgres";
import type { MismatchKind, MismatchOrigin, MismatchStatus } from "../mismatches/contract";
import { compareRows, type RowComparison } from "../normalization";
import type { Actor } from "./audit.server";
import { listActiveRules } from "./normalization-rule.server";
import { controlSql } from "~/utils/db.server";
import { mismatchQuerySchema, type MismatchFilter, type MismatchQuery, type MismatchSort } from "~/mismatches/query";

// Queries here use raw postgres.js (controlSql): keyset pagination needs row comparisons and full-precision
// timestamps. On that shared client drizzle leaves timestamps as PostgreSQL text, which keeps microseconds.

const SORT_COLUMNS: Record<MismatchSort, { column: string; cast: string }> = {
  last_seen: { column: "last_seen_at", cast: "timestamptz" },
  first_seen: { column: "first_seen_at", cast: "timestamptz" },
  occurrences: { column: "occurrences", cast: "int" },
};

/** Every filter as one SQL condition (values always bound as parameters). */
export function whereClause(sql: postgres.Sql, filter: MismatchFilter) {
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
export async function listMismatches(query: MismatchQuery): Promise<{ rows: MismatchListRow[]; nextCursor: string | null; prevCursor: string | null }> {
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
  const order = desc ? sql`m.${sql(column)} desc nulls last, m.id desc nulls last` : sql`m.${sql(column)} asc nulls first, m.id asc nulls first`;
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
    repeated = desc ? sql`and (m.occurrences, m.id) < (${at.occurrences}::int, ${at.id})` : sql`and (m.occurrences, m.id) > (${at.occurrences}::int, ${at.id})`;
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
