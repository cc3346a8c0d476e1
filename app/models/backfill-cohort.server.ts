import { dependencyOrder } from "../backfill/dependency-order";
import { describeCopyTable } from "../backfill/table";
import { recordAudit, type Actor } from "./audit.server";
import { createBackfillJob, type BackfillStatus } from "./backfill.server";
import { getPopulationSource } from "./rollout-population.server";
import { eq, sql as dsql } from "drizzle-orm";
import { backfillGateOverrides } from "../../db/schema";
import { controlDb, controlSql } from "~/utils/db.server";
import { sideSql } from "~/utils/databases.server";

/** A table holding rows of the application's users, and the column that says whose a row is. */
export interface CohortTable {
  schemaName: string;
  tableName: string;
  column: string;
  /** The catalog's estimate for the whole table (reltuples; null before the first ANALYZE). */
  estimatedRows: number | null;
  estimatedBytes: number;
}

/**
 * The tables a cohort's data lives in: the rollout's users table (Settings: the population) and every source
 * table with a single-column foreign key to its id column, in foreign-key dependency order (parents first), so
 * a cohort backfill copies documents before the annotations that reference them.
 */
export async function cohortTables(): Promise<CohortTable[]> {
  const population = await getPopulationSource();
  const rows = await sideSql("source")<{ schema: string; name: string; column: string; estimate: number; bytes: number }[]>`
    select n.nspname as schema, c.relname as name, a.attname as column, c.reltuples::float8 as estimate, pg_total_relation_size(c.oid)::float8 as bytes
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_namespace n on n.oid = c.relnamespace
    join pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
    join pg_class r on r.oid = k.confrelid join pg_namespace rn on rn.oid = r.relnamespace
    join pg_attribute ra on ra.attrelid = k.confrelid and ra.attnum = k.confkey[1]
    where k.contype = 'f' and cardinality(k.conkey) = 1
      and rn.nspname = ${population.schema} and r.relname = ${population.table} and ra.attname = ${population.idColumn}
    union all
    select n.nspname, c.relname, ${population.idColumn}, c.reltuples::float8, pg_total_relation_size(c.oid)::float8
    from pg_class c join pg_namespace n on n.oid = c.relnamespace
    where n.nspname = ${population.schema} and c.relname = ${population.table} and c.relkind in ('r', 'p')`;
  // one entry per table: a table referencing users twice (author, reviewer) is copied by its first such column
  const tables = [...new Map(rows.map((r) => [`${r.schema}.${r.name}`, r])).values()].map((r) => ({
    id: `${r.schema}.${r.name}`,
    schemaName: r.schema,
    tableName: r.name,
    column: r.column,
    estimatedRows: r.estimate < 0 ? null : Math.round(r.estimate),
    estimatedBytes: r.bytes,
  }));
  const references = await sideSql("source")<{ from: string; to: string }[]>`
    select cn.nspname || '.' || c.relname as from, rn.nspname || '.' || r.relname as to
    from pg_constraint k
    join pg_class c on c.oid = k.conrelid join pg_namespace cn on cn.oid = c.relnamespace
    join pg_class r on r.oid = k.confrelid join pg_namespace rn on rn.oid = r.relnamespace
    where k.contype = 'f'`;
  return dependencyOrder(tables, references).map(({ id: _id, ...t }) => t);
}

export type CohortDataState =
  | { state: "not_copied" }
  | { state: "copying"; percent: number; jobId: string }
  | { state: "converging"; jobId: string }
  | { state: "converged"; at: Date; jobId: string }
  | { state: "not_converged" | "failed" | "cancelled"; at: Date | null; jobId: string };

/**
 * Each cohort table's data state for one cohort: from its latest cohort backfill, or a whole-table backfill
 * that converged later (it copied every cohort's rows).
 */
export async function cohortDataStates(cohortId: string, tables: CohortTable[]): Promise<Map<string, CohortDataState>> {
  const jobs = await controlSql()<
    {
      id: string;
      schema_name: string;
      table_name: string;
      status: BackfillStatus;
      estimated_rows: number | null;
      rows_handled: number;
      finished_at: Date | null;
      whole: boolean;
    }[]
  >`
    select distinct on (schema_name, table_name, whole) id, schema_name, table_name, status::text as status, estimated_rows::float8 as estimated_rows,
      (rows_copied + rows_skipped_existing + rows_set_aside)::float8 as rows_handled, finished_at, scope->>'kind' = 'table' as whole
    from backfill_jobs
    where cohort_id = ${cohortId} or (scope->>'kind' = 'table' and status = 'converged')
    order by schema_name, table_name, whole, created_at desc`;
  // the control connection leaves timestamps as text
  for (const j of jobs) j.finished_at = j.finished_at ? new Date(j.finished_at) : null;
  const states = new Map<string, CohortDataState>();
  for (const t of tables) {
    const key = `${t.schemaName}.${t.tableName}`;
    const mine = jobs.find((j) => j.schema_name === t.schemaName && j.table_name === t.tableName && !j.whole);
    const whole = jobs.find((j) => j.schema_name === t.schemaName && j.table_name === t.tableName && j.whole);
    const job = whole && (!mine || (mine.status !== "converged" && (mine.finished_at ?? new Date(0)) <= whole.finished_at!)) ? whole : mine;
    states.set(key, stateOf(job));
  }
  return states;
}

function stateOf(
  job: { id: string; status: BackfillStatus; estimated_rows: number | null; rows_handled: number; finished_at: Date | null } | undefined,
): CohortDataState {
  if (!job) return { state: "not_copied" };
  switch (job.status) {
    case "queued":
    case "copying":
      return { state: "copying", jobId: job.id, percent: job.estimated_rows ? Math.min(99, Math.floor((job.rows_handled / job.estimated_rows) * 100)) : 0 };
    case "converging":
      return { state: "converging", jobId: job.id };
    case "converged":
      return { state: "converged", jobId: job.id, at: job.finished_at! };
    default:
      return { state: job.status, jobId: job.id, at: job.finished_at };
  }
}

/**
 * Whether a backfill has copied a cohort's rows of a table to the target (its copy phase finished, whatever its
 * converge rounds found), or a whole-table backfill did. Until then a source_only owner's row missing on the target
 * is expected, not a mismatch. An owner no cohort decides (null) counts only whole-table copies.
 */
export async function cohortDataCopied(cohortId: string | null, table: { schemaName: string; tableName: string }): Promise<boolean> {
  const [row] = await controlSql()<{ copied: boolean }[]>`
    select exists (
      select 1 from backfill_jobs
      where schema_name = ${table.schemaName} and table_name = ${table.tableName} and copied_at is not null
        and (scope->>'kind' = 'table' or (${cohortId}::text is not null and cohort_id::text = ${cohortId}::text))
    ) as copied`;
  return row.copied;
}

/**
 * "Backfill this cohort": one cohort-scoped job per cohort table that is not converged or under way, created in
 * dependency order (and dispatched in that order by the caller). Tables a backfill cannot copy (no key,
 * differing columns) are returned with the reason instead.
 */
export async function startCohortBackfill(cohortId: string, actor: Actor, reason: string) {
  const tables = await cohortTables();
  const states = await cohortDataStates(cohortId, tables);
  const started: { table: string; id: string }[] = [];
  const refused: { table: string; problems: string[] }[] = [];
  for (const t of tables) {
    const label = `${t.schemaName}.${t.tableName}`;
    const state = states.get(label)!.state;
    if (state === "converged" || state === "copying" || state === "converging") continue;
    const { problems } = await describeCopyTable(sideSql("source"), sideSql("target"), t.schemaName, t.tableName);
    if (problems.length) {
      refused.push({ table: label, problems });
      continue;
    }
    const id = await createBackfillJob(
      { schemaName: t.schemaName, tableName: t.tableName, scope: { kind: "cohort", cohortId, column: t.column }, reason },
      actor,
    );
    started.push({ table: label, id });
  }
  return { started, refused };
}

/** An admin's override of the backfilled gate for a cohort (audited with the reason). */
export async function overrideBackfillGate(cohortId: string, actor: Actor, reason: string) {
  await controlDb().transaction(async (tx) => {
    await tx.execute(
      // upsert: a second override replaces the first, and the audit keeps both
      dsql`insert into backfill_gate_overrides (cohort_id, reason, created_by) values (${cohortId}, ${reason}, ${actor.label})
        on conflict (cohort_id) do update set reason = excluded.reason, created_by = excluded.created_by, created_at = now()`,
    );
    await recordAudit(actor, { action: "backfill.gate_override", entityType: "cohort", entityId: cohortId, reason }, tx);
  });
}

export async function backfillGateOverride(cohortId: string) {
  const [row] = await controlDb().select().from(backfillGateOverrides).where(eq(backfillGateOverrides.cohortId, cohortId));
  return row ?? null;
}
