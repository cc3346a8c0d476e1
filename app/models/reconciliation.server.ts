import { and, desc, eq, getTableColumns, sql as dsql } from "drizzle-orm";
import { reconciliationJobs, type RECONCILIATION_MODES } from "../../db/schema";
import { DEFAULT_IN_FLIGHT_WINDOW_MS } from "../reconciliation/in-flight";
import type { Bucket, Difference, JobScope } from "../reconciliation/types";
import { getOwnerColumn } from "./table-owner-column.server";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb, controlSql } from "~/utils/db.server";

export type ReconciliationJob = typeof reconciliationJobs.$inferSelect;
export type ReconciliationMode = (typeof RECONCILIATION_MODES)[number];

/** A range whose worker sent no heartbeat for this long is taken over by another worker. */
export const STALE_AFTER_MS = 15_000;

export interface NewReconciliation {
  schemaName: string;
  tableName: string;
  scope: JobScope;
  mode: ReconciliationMode;
  rowsPerSecond?: number | null;
  concurrency?: number;
  reason?: string;
  /** The owner column for this job; undefined: the table's from Settings (checked by the caller when given). */
  ownerColumn?: string | null;
  /** How long a differing row is re-read before it counts (default 5 s). */
  inFlightWindowMs?: number;
}

export async function createReconciliationJob(input: NewReconciliation, actor: Actor): Promise<string> {
  // stored with the job, so every worker and every resumed run classifies rows by the same column
  const ownerColumn = input.ownerColumn === undefined ? await getOwnerColumn(input.schemaName, input.tableName) : input.ownerColumn;
  return controlDb().transaction(async (tx) => {
    const [job] = await tx
      .insert(reconciliationJobs)
      .values({
        schemaName: input.schemaName,
        tableName: input.tableName,
        scope: input.scope,
        mode: input.mode,
        rowsPerSecond: input.rowsPerSecond ?? null,
        concurrency: input.concurrency ?? 2,
        ownerColumn,
        inFlightWindowMs: input.inFlightWindowMs ?? DEFAULT_IN_FLIGHT_WINDOW_MS,
        createdBy: actor.label,
        reason: input.reason ?? "",
      })
      .returning({ id: reconciliationJobs.id });
    await recordAudit(
      actor,
      { action: "reconciliation.start", entityType: "reconciliation", entityId: job.id, after: { ...input, ownerColumn }, reason: input.reason },
      tx,
    );
    return job.id;
  });
}

export async function getReconciliationJob(id: string): Promise<ReconciliationJob | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [job] = await controlDb().select().from(reconciliationJobs).where(eq(reconciliationJobs.id, id));
  return job ?? null;
}

/**
 * The latest jobs, their scopes named but not read whole: a users or cohort scope holds up to 100,000 ids, which
 * no list needs.
 */
export async function listReconciliationJobs(limit = 50) {
  const { scope, ...columns } = getTableColumns(reconciliationJobs);
  return controlDb()
    .select({
      ...columns,
      scopeKind: dsql<JobScope["kind"]>`${scope}->>'kind'`,
      /** A cohort scope's cohort, once resolved. */
      scopeCohort: dsql<string | null>`${scope} #>> '{members,cohortName}'`,
    })
    .from(reconciliationJobs)
    .orderBy(desc(reconciliationJobs.createdAt))
    .limit(limit);
}

/** Asks the workers to stop; they notice within about a second and mark the job cancelled. */
export async function requestCancel(id: string, actor: Actor): Promise<ReconciliationJob | null> {
  return controlDb().transaction(async (tx) => {
    const [job] = await tx
      .update(reconciliationJobs)
      .set({ cancelRequestedAt: new Date() })
      .where(and(eq(reconciliationJobs.id, id), dsql`${reconciliationJobs.status} in ('queued', 'running')`))
      .returning();
    if (!job) return null;
    // a job no worker has picked up yet, or one whose worker stopped on an outage (no sweep resumes a job asked to
    // stop), is cancelled right away
    if (job.status === "queued" || job.interruptedAt !== null) {
      await tx.update(reconciliationJobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(reconciliationJobs.id, id));
    }
    await recordAudit(actor, { action: "reconciliation.cancel", entityType: "reconciliation", entityId: id }, tx);
    return job;
  });
}

/** The API/UI shape of a job's progress. */
export function progressOf(job: Omit<ReconciliationJob, "scope">) {
  const samples = job.samples;
  const last = samples[samples.length - 1];
  const prev = samples[Math.max(0, samples.length - 6)];
  const seconds = last && prev && last !== prev ? (Date.parse(last.at) - Date.parse(prev.at)) / 1000 : 0;
  const rate = seconds > 0 ? (last.rowsCompared - prev.rowsCompared) / seconds : 0;
  const remaining = Math.max(0, (job.estimatedRows ?? 0) - job.rowsCompared);
  const done = job.status === "succeeded";
  // A cancelled or failed job is not moving: no time left to estimate.
  const moving = job.status === "queued" || job.status === "running";
  return {
    rowsCompared: job.rowsCompared,
    estimatedTotal: job.estimatedRows,
    bucketsDone: job.bucketsDone,
    bucketsTotal: job.bucketsTotal,
    percent: done ? 100 : job.bucketsTotal ? Math.min(100, Math.floor((job.bucketsDone / job.bucketsTotal) * 100)) : 0,
    rowsPerSecond: Math.round(rate),
    etaSeconds: done || !moving || rate <= 0 ? null : Math.round(remaining / rate),
    clearedOnRecheck: job.clearedOnRecheck,
  };
}

export function countsOf(job: Omit<ReconciliationJob, "scope">) {
  return { missing_in_target: job.missingInTarget, extra_in_target: job.extraInTarget, value_mismatch: job.valueMismatch };
}

/** What a job found that is not a mismatch: rows a rule covers, rows not expected on the target yet. */
export function expectedOf(job: Omit<ReconciliationJob, "scope">) {
  return { ignoredByRule: job.ignoredByRule, ignoredRules: job.ignoredRules, notYetMigrated: job.notYetMigrated, ownerColumn: job.ownerColumn };
}

/** The guard refused the table: the job fails without reading anything. True when this call failed it. */
export async function refuseJob(jobId: string, message: string): Promise<boolean> {
  const failed = await controlSql()`update reconciliation_jobs set status = 'failed', error = ${`refused: ${message}`}, finished_at = now()
    where id = ${jobId} and status in ('queued', 'running') returning id`;
  return failed.length > 0;
}

export async function cancelRequested(jobId: string): Promise<boolean> {
  const [row] = await controlSql()`select cancel_requested_at from reconciliation_jobs where id = ${jobId}`.catch(() => [null]);
  return Boolean(row?.cancel_requested_at);
}

export async function failJobOnDrift(jobId: string, drift: unknown[]) {
  await controlSql()`update reconciliation_jobs set status = 'failed', drift = ${JSON.stringify(drift)}::text::jsonb, error = 'schema drift prevents the comparison',
    finished_at = now() where id = ${jobId}`;
}

export async function markJobCancelled(jobId: string) {
  await controlSql()`update reconciliation_jobs set status = 'cancelled', finished_at = coalesce(finished_at, now()) where id = ${jobId} and status in ('queued', 'running')`;
}

/** True for exactly one worker: the one whose update finds the job running with every range done. */
export async function markJobSucceeded(jobId: string): Promise<boolean> {
  const finished = await controlSql()`
    update reconciliation_jobs set status = 'succeeded', finished_at = now(), interrupted_at = null, interruption = null
    where id = ${jobId} and status = 'running'
      and not exists (select 1 from reconciliation_ranges where job_id = ${jobId} and not done)
    returning id`;
  return finished.length > 0;
}

/** True when this call failed the job (a cancelled job stays cancelled). */
export async function markJobFailed(jobId: string, message: string): Promise<boolean> {
  const failed =
    await controlSql()`update reconciliation_jobs set status = 'failed', error = ${message.slice(0, 2000)}, finished_at = now() where id = ${jobId} and status <> 'cancelled' returning id`;
  return failed.length > 0;
}

export function heartbeatRange(jobId: string, rangeIndex: number, workerId: string) {
  return controlSql()`update reconciliation_ranges set heartbeat_at = now() where job_id = ${jobId} and index = ${rangeIndex} and claimed_by = ${workerId}`;
}

/** Counts a range done (once: another worker may have finished the same range meanwhile, taking it over as stale). */
export async function recordRangeDone(
  jobId: string,
  rangeIndex: number,
  bucketsDone: number,
  result: { rowsCompared: number; clearedOnRecheck: number; ignoredByRule?: number; ignoredRules?: Record<string, number> },
  mismatches: Difference[],
  notYetMigrated: number,
) {
  await controlSql().begin(async (tx) => {
    const [updated] = await tx`
      update reconciliation_ranges set done = true, rows_compared = ${result.rowsCompared}, differences = ${mismatches.length}
      where job_id = ${jobId} and index = ${rangeIndex} and not done returning index`;
    // another worker finished the same range meanwhile (it took it over as stale): count it once
    if (!updated) return;
    const counts = { missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 };
    for (const d of mismatches) counts[d.kind]++;
    await tx`
      update reconciliation_jobs set
        rows_compared = rows_compared + ${result.rowsCompared}, buckets_done = buckets_done + ${bucketsDone},
        missing_in_target = missing_in_target + ${counts.missing_in_target}, extra_in_target = extra_in_target + ${counts.extra_in_target},
        value_mismatch = value_mismatch + ${counts.value_mismatch}, cleared_on_recheck = cleared_on_recheck + ${result.clearedOnRecheck},
        not_yet_migrated = not_yet_migrated + ${notYetMigrated}, ignored_by_rule = ignored_by_rule + ${result.ignoredByRule ?? 0},
        ignored_rules = (select coalesce(jsonb_object_agg(k, n), '{}'::jsonb) from (
          select k, sum(v::int) as n from (select * from jsonb_each_text(ignored_rules) union all
            select * from jsonb_each_text(${JSON.stringify(result.ignoredRules ?? {})}::text::jsonb)) as e(k, v) group by k) as s),
        samples = (samples || jsonb_build_array(jsonb_build_object('at', now(), 'rowsCompared', rows_compared + ${result.rowsCompared}))),
        -- a finished range: the databases answer again
        interrupted_at = null, interruption = null
      where id = ${jobId}`;
  });
}

/**
 * The first worker plans the bucket ranges (under a row lock); later ones find them there: the checkpoint.
 * `plan` runs only for that first worker, inside the lock.
 */
export async function planRangesOnce(jobId: string, plan: () => Promise<{ buckets: Bucket[]; runs: Bucket[][]; estimatedRows: number }>, drift: unknown[]) {
  const sql = controlSql();
  await sql.begin(async (tx) => {
    const [job] = await tx`select buckets_total from reconciliation_jobs where id = ${jobId} for update`;
    if (job.buckets_total !== null) return;
    const { buckets, runs, estimatedRows } = await plan();
    // one statement: the ranges travel as one JSON document and are unpacked by the server
    await tx`
      insert into reconciliation_ranges (job_id, index, buckets)
      select ${jobId}, (r.ordinality - 1)::int, r.value
      from jsonb_array_elements(${JSON.stringify(runs)}::text::jsonb) with ordinality as r`;
    await tx`
      update reconciliation_jobs set status = 'running', started_at = clock_timestamp(), estimated_rows = ${estimatedRows},
        buckets_total = ${buckets.length}, drift = ${JSON.stringify(drift)}::text::jsonb,
        samples = jsonb_build_array(jsonb_build_object('at', now(), 'rowsCompared', 0))
      where id = ${jobId}`;
  });
}

export async function claimRange(jobId: string, workerId: string, staleAfterMs: number) {
  const sql = controlSql();
  const [row] = await sql<{ index: number; buckets: Bucket[] }[]>`
    update reconciliation_ranges set claimed_by = ${workerId}, heartbeat_at = now()
    where (job_id, index) = (
      select job_id, index from reconciliation_ranges
      where job_id = ${jobId} and not done
        and (claimed_by is null or heartbeat_at < now() - ${`${staleAfterMs} milliseconds`}::interval)
        -- its own ranges are still being re-read in this worker's pipeline, however stale they look
        and claimed_by is distinct from ${workerId}
      order by index limit 1 for update skip locked)
    returning index, buckets`;
  return row ?? null;
}

/** The table as findings and normalization rules name it: `table` in public, `schema.table` elsewhere. */
export function findingsTable(job: Pick<ReconciliationJob, "schemaName" | "tableName">): string {
  return job.schemaName === "public" ? job.tableName : `${job.schemaName}.${job.tableName}`;
}

/**
 * When each table was last verified clean (real mismatches only: rows not yet migrated and rows a rule covers
 * never count), and what its latest finished verify found that is not a mismatch, with its owner column.
 */
export async function tableFreshness(): Promise<
  {
    schemaName: string;
    tableName: string;
    verifiedAt: Date | null;
    lastRunAt: Date | null;
    notYetMigrated: number | null;
    ignoredByRule: number | null;
    ownerColumn: string | null;
  }[]
> {
  const rows = await controlSql()<
    {
      schema_name: string;
      table_name: string;
      verified_at: Date | null;
      last_run_at: Date | null;
      not_yet_migrated: number | null;
      ignored_by_rule: number | null;
      owner_column: string | null;
    }[]
  >`
    with t as (
      select schema_name, table_name,
        max(finished_at) filter (where status = 'succeeded' and missing_in_target + extra_in_target + value_mismatch = 0
                                   and scope->>'kind' = 'table') as verified_at,
        max(finished_at) as last_run_at
      from reconciliation_jobs group by 1, 2)
    select t.*, l.not_yet_migrated, l.ignored_by_rule, o.column_name as owner_column
    from t
    left join lateral (select j.not_yet_migrated, j.ignored_by_rule from reconciliation_jobs j
      where j.schema_name = t.schema_name and j.table_name = t.table_name and j.status = 'succeeded' and j.mode = 'verify'
      order by j.finished_at desc limit 1) l on true
    left join table_owner_columns o on o.schema_name = t.schema_name and o.table_name = t.table_name
    order by 1, 2`;
  return rows.map((r) => ({
    schemaName: r.schema_name,
    tableName: r.table_name,
    verifiedAt: r.verified_at,
    lastRunAt: r.last_run_at,
    notYetMigrated: r.not_yet_migrated,
    ignoredByRule: r.ignored_by_rule,
    ownerColumn: r.owner_column,
  }));
}

/** Jobs still running whose ranges lost their worker (SIGKILL, crash): the resume sweep re-dispatches them. */
export async function jobsNeedingWorkers(): Promise<string[]> {
  const rows = await controlSql()<{ id: string }[]>`
    select j.id from reconciliation_jobs j
    where j.status in ('queued', 'running') and j.cancel_requested_at is null
      and (j.buckets_total is null and j.created_at < now() - interval '1 minute'
        or exists (select 1 from reconciliation_ranges r where r.job_id = j.id and not r.done
          and (r.claimed_by is null or r.heartbeat_at < now() - ${`${STALE_AFTER_MS} milliseconds`}::interval))
        -- every range done, none lately, yet the job runs: its last worker met an outage before it could end it
        or j.buckets_total is not null and not exists (select 1 from reconciliation_ranges r where r.job_id = j.id
          and (not r.done or r.heartbeat_at >= now() - ${`${STALE_AFTER_MS} milliseconds`}::interval)))`;
  return rows.map((r) => r.id);
}
