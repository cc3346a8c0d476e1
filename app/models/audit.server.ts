import { and, desc, eq, gte, ilike, inArray, lt, lte, or, sql, type SQL } from "drizzle-orm";
import { apiTokens, auditLog, backfillJobs, cohorts, reconciliationJobs, users } from "../../db/schema";
import type { Actor } from "~/audit/actor";
import { collectIds, type NameMap } from "~/audit/change-summary";
import { controlDb, type ControlTx } from "~/utils/db.server";

export type { Actor };

export interface AuditEntry {
  action: string;
  entityType: string;
  entityId?: string | null;
  before?: unknown;
  after?: unknown;
  reason?: string | null;
}

/** Records one change. Pass the transaction that made the change so the two commit (or fail) together. */
export async function recordAudit(actor: Actor, entry: AuditEntry, tx?: ControlTx) {
  await (tx ?? controlDb()).insert(auditLog).values({
    actorType: actor.type,
    actorId: actor.id,
    actorLabel: actor.label,
    action: entry.action,
    entityType: entry.entityType,
    entityId: entry.entityId ?? null,
    before: entry.before ?? null,
    after: entry.after ?? null,
    reason: entry.reason ?? null,
  });
}

export const SYSTEM_ACTOR: Actor = { type: "system", id: null, label: "cutover" };

export interface AuditFilter {
  actor?: string;
  action?: string;
  entityType?: string;
  entityId?: string;
  from?: Date;
  to?: Date;
  /** Keyset cursor: the id of the last row of the previous page. */
  before?: number;
  limit?: number;
}

export async function listAudit(filter: AuditFilter) {
  const where: SQL[] = [];
  if (filter.actor) where.push(ilike(auditLog.actorLabel, `%${escapeLike(filter.actor)}%`));
  if (filter.action) where.push(or(eq(auditLog.action, filter.action), ilike(auditLog.action, `${escapeLike(filter.action)}.%`))!);
  if (filter.entityType) where.push(eq(auditLog.entityType, filter.entityType));
  if (filter.entityId) where.push(eq(auditLog.entityId, filter.entityId));
  if (filter.from) where.push(gte(auditLog.at, filter.from));
  if (filter.to) where.push(lte(auditLog.at, filter.to));
  if (filter.before) where.push(lt(auditLog.id, filter.before));
  const limit = Math.min(filter.limit ?? 50, 200);
  const rows = await controlDb()
    .select()
    .from(auditLog)
    .where(where.length ? and(...where) : undefined)
    .orderBy(desc(auditLog.id))
    .limit(limit + 1);
  return { rows: rows.slice(0, limit), nextBefore: rows.length > limit ? rows[limit - 1].id : null };
}

export async function listAuditActions(): Promise<string[]> {
  const rows = await controlDb().execute<{ action: string }>(sql`select distinct action from audit_log order by action`);
  return rows.map((r) => r.action);
}

function escapeLike(value: string) {
  return value.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * The names behind the uuids some values mention (dashboard users by email, cohorts and API tokens by name,
 * jobs by what they ran on), so change summaries and reasons say who and what instead of an id. Ids that name
 * nothing stay as they are.
 */
export async function resolveNames(values: unknown[]): Promise<NameMap> {
  const ids = [...collectIds(values)];
  if (ids.length === 0) return {};
  const db = controlDb();
  const [people, cohortRows, tokens, reconciliations, backfills] = await Promise.all([
    db.select({ id: users.id, name: users.email }).from(users).where(inArray(users.id, ids)),
    db.select({ id: cohorts.id, name: cohorts.name }).from(cohorts).where(inArray(cohorts.id, ids)),
    db.select({ id: apiTokens.id, name: apiTokens.name }).from(apiTokens).where(inArray(apiTokens.id, ids)),
    db
      .select({ id: reconciliationJobs.id, mode: reconciliationJobs.mode, schema: reconciliationJobs.schemaName, table: reconciliationJobs.tableName })
      .from(reconciliationJobs)
      .where(inArray(reconciliationJobs.id, ids)),
    db.select({ id: backfillJobs.id, schema: backfillJobs.schemaName, table: backfillJobs.tableName }).from(backfillJobs).where(inArray(backfillJobs.id, ids)),
  ]);
  return Object.fromEntries([
    ...[...people, ...cohortRows, ...tokens].map((r) => [r.id, r.name]),
    ...reconciliations.map((r) => [r.id, `${r.mode} of ${r.schema}.${r.table}`]),
    // a backfill is named by its table: reasons already say "backfill <id>" and the entity column "backfill"
    ...backfills.map((r) => [r.id, `${r.schema}.${r.table}`]),
  ]);
}
