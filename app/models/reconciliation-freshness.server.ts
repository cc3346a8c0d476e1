import { eq } from "drizzle-orm";
import { cohortVerifiedTables } from "../../db/schema";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb, controlSql } from "~/utils/db.server";

/** A table that must have been verified clean recently, with the time it last was. */
export interface TableFreshness {
  schemaName: string;
  tableName: string;
  /** How old the last clean verification may be, in hours (a schedule's interval, or a cohort's maximum age). */
  maxAgeHours: number;
  /** Finish time of the latest whole-table (or, for a cohort, cohort-scoped) verify job that found no difference. */
  verifiedAt: Date | null;
}

/** Latest clean whole-table verify of the table named by `t.schema_name, t.table_name`. */
const VERIFIED_AT = `(select max(j.finished_at) from reconciliation_jobs j
  where j.schema_name = t.schema_name and j.table_name = t.table_name and j.status = 'succeeded' and j.mode = 'verify'
    and j.scope->>'kind' = 'table' and j.missing_in_target + j.extra_in_target + j.value_mismatch = 0)`;

// unsafe() (for the shared subquery text) may hand the timestamp over as text
type FreshnessRow = { schema_name: string; table_name: string; max_age_hours: number; verified_at: Date | string | null };
const toFreshness = (r: FreshnessRow): TableFreshness => ({
  schemaName: r.schema_name,
  tableName: r.table_name,
  maxAgeHours: Number(r.max_age_hours),
  verifiedAt: r.verified_at === null ? null : new Date(r.verified_at),
});

export function isFresh(t: TableFreshness, now = Date.now()): boolean {
  return t.verifiedAt !== null && now - t.verifiedAt.getTime() <= t.maxAgeHours * 3_600_000;
}

/** Scheduled tables with the time each was last verified clean (their interval is their maximum age). */
export async function scheduledTableFreshness(): Promise<TableFreshness[]> {
  const rows = await controlSql().unsafe<FreshnessRow[]>(
    `select t.schema_name, t.table_name, t.every_hours as max_age_hours, ${VERIFIED_AT} as verified_at
     from reconciliation_schedules t where t.enabled order by 1, 2`,
  );
  return rows.map(toFreshness);
}

/** Latest clean verify of the table for cohort `t.cohort_id`: of the whole table, or of that cohort's rows. */
const VERIFIED_FOR_COHORT_AT = `(select max(j.finished_at) from reconciliation_jobs j
  where j.schema_name = t.schema_name and j.table_name = t.table_name and j.status = 'succeeded' and j.mode = 'verify'
    and (j.scope->>'kind' = 'table' or j.scope->>'kind' = 'cohort' and j.scope->>'cohortId' = t.cohort_id::text)
    and j.missing_in_target + j.extra_in_target + j.value_mismatch = 0)`;

/** The tables a cohort must have verified clean before it advances, with the time each last was. */
export async function cohortTableFreshness(cohortId: string): Promise<TableFreshness[]> {
  if (!/^[0-9a-f-]{36}$/i.test(cohortId)) return [];
  const rows = await controlSql().unsafe<FreshnessRow[]>(
    `select t.schema_name, t.table_name, t.max_age_hours, ${VERIFIED_FOR_COHORT_AT} as verified_at
     from cohort_verified_tables t where t.cohort_id = $1 order by 1, 2`,
    [cohortId],
  );
  return rows.map(toFreshness);
}

/** Replaces the set of tables a cohort must have verified clean (audited). */
export async function setCohortVerifiedTables(
  cohortId: string,
  tables: { schemaName: string; tableName: string }[],
  maxAgeHours: number,
  actor: Actor,
  reason: string,
): Promise<void> {
  await controlDb().transaction(async (tx) => {
    const before = await tx.select().from(cohortVerifiedTables).where(eq(cohortVerifiedTables.cohortId, cohortId));
    await tx.delete(cohortVerifiedTables).where(eq(cohortVerifiedTables.cohortId, cohortId));
    const unique = [...new Map(tables.map((t) => [`${t.schemaName}.${t.tableName}`, t])).values()];
    if (unique.length) await tx.insert(cohortVerifiedTables).values(unique.map((t) => ({ cohortId, ...t, maxAgeHours })));
    await recordAudit(
      actor,
      {
        action: "cohort.verified_tables",
        entityType: "cohort",
        entityId: cohortId,
        before: before.map((t) => ({ table: `${t.schemaName}.${t.tableName}`, maxAgeHours: t.maxAgeHours })),
        after: unique.map((t) => ({ table: `${t.schemaName}.${t.tableName}`, maxAgeHours })),
        reason,
      },
      tx,
    );
  });
}
