import { desc, eq, getTableColumns, sql as dsql } from "drizzle-orm";
import { backfillJobs, backfillSetAside, BACKFILL_STATUSES } from "../../db/schema";
import { BACKFILL_DEFAULTS, type BackfillScope } from "../backfill/types";
import { recordAudit, type Actor } from "./audit.server";
import { requestCancel } from "./reconciliation.server";
import { controlDb } from "~/utils/db.server";
import { waitingForDatabase } from "./job-interruption.server";

export type BackfillJob = typeof backfillJobs.$inferSelect;
export type BackfillStatus = (typeof BACKFILL_STATUSES)[number];

export const FINISHED_STATUSES: BackfillStatus[] = ["converged", "not_converged", "failed", "cancelled"];

export interface NewBackfill {
  schemaName: string;
  tableName: string;
  scope: BackfillScope;
  rowsPerSecond?: number | null;
  batchRows?: number;
  batchBytes?: number;
  workers?: number;
  maxRounds?: number;
  reason: string;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export async function createBackfillJob(input: NewBackfill, actor: Actor): Promise<string> {
  return controlDb().transaction(async (tx) => {
    const [job] = await tx
      .insert(backfillJobs)
      .values({
        schemaName: input.schemaName,
        tableName: input.tableName,
        scope: input.scope,
        cohortId: input.scope.kind === "cohort" ? input.scope.cohortId : null,
        rowsPerSecond: input.rowsPerSecond ?? null,
        batchRows: input.batchRows ?? BACKFILL_DEFAULTS.batchRows,
        batchBytes: input.batchBytes ?? BACKFILL_DEFAULTS.batchBytes,
        workers: input.workers ?? BACKFILL_DEFAULTS.workers,
        maxRounds: input.maxRounds ?? BACKFILL_DEFAULTS.maxRounds,
        actor,
        reason: input.reason,
      })
      .returning({ id: backfillJobs.id });
    // a users scope holds up to 100,000 ids: the audit keeps how many, not the list
    const scope = input.scope.kind === "users" ? { ...input.scope, ids: `${input.scope.ids.length} ids` } : input.scope;
    await recordAudit(actor, { action: "backfill.start", entityType: "backfill", entityId: job.id, after: { ...input, scope }, reason: input.reason }, tx);
    return job.id;
  });
}

export async function getBackfillJob(id: string): Promise<BackfillJob | null> {
  if (!UUID.test(id)) return null;
  const [job] = await controlDb().select().from(backfillJobs).where(eq(backfillJobs.id, id));
  return job ?? null;
}

/** The latest jobs, without their scopes' id lists. */
export async function listBackfillJobs(limit = 50) {
  const { scope, ...columns } = getTableColumns(backfillJobs);
  return controlDb()
    .select({ ...columns, scopeKind: dsql<BackfillScope["kind"]>`${scope}->>'kind'`, scopeCohort: dsql<string | null>`${scope} #>> '{members,cohortName}'` })
    .from(backfillJobs)
    .orderBy(desc(backfillJobs.createdAt))
    .limit(limit);
}

/** Asks the workers to stop; they notice within about a second. A job no worker has picked up ends at once. */
export async function requestBackfillCancel(id: string, actor: Actor): Promise<BackfillJob | null> {
  if (!UUID.test(id)) return null;
  const cancelled = await controlDb().transaction(async (tx) => {
    const [job] = await tx
      .update(backfillJobs)
      .set({ cancelRequestedAt: new Date() })
      .where(dsql`${backfillJobs.id} = ${id} and ${backfillJobs.status} in ('queued', 'copying', 'converging')`)
      .returning();
    if (!job) return null;
    // a job no worker has picked up yet, or one whose worker stopped on an outage (no sweep resumes a job asked to
    // stop), is cancelled right away
    if (job.status === "queued" || job.interruptedAt !== null)
      await tx.update(backfillJobs).set({ status: "cancelled", finishedAt: new Date() }).where(eq(backfillJobs.id, id));
    await recordAudit(actor, { action: "backfill.cancel", entityType: "backfill", entityId: id, before: { status: job.status } }, tx);
    return job;
  });
  // the converge round's verify stops with it (a runner would stop it too, but none may be left to)
  if (cancelled?.interruptedAt && cancelled.convergeVerifyId) await requestCancel(cancelled.convergeVerifyId, actor);
  return cancelled;
}

export async function listSetAsideRows(jobId: string, limit = 100) {
  return controlDb().select().from(backfillSetAside).where(eq(backfillSetAside.jobId, jobId)).orderBy(backfillSetAside.id).limit(limit);
}

/** Progress for the API and the pages: rows handled of the estimate, the recent rate and the ETA it gives. */
export function backfillProgress(job: Omit<BackfillJob, "scope">) {
  const handled = job.rowsCopied + job.rowsSkippedExisting + job.rowsSetAside;
  const samples = job.samples;
  const last = samples[samples.length - 1];
  const prev = samples[Math.max(0, samples.length - 6)];
  const seconds = last && prev && last !== prev ? (Date.parse(last.at) - Date.parse(prev.at)) / 1000 : 0;
  const rate = seconds > 0 ? (last.rows - prev.rows) / seconds : 0;
  const copyDone = job.copiedAt !== null;
  // A cancelled or failed job is not copying: no time left to estimate.
  const moving = job.status === "queued" || job.status === "copying";
  const estimate = job.estimatedRows ?? 0;
  const percent = copyDone ? 100 : estimate > 0 ? Math.min(99, Math.floor((handled / estimate) * 100)) : 0;
  return {
    percent,
    rowsHandled: handled,
    estimatedRows: job.estimatedRows,
    rangesDone: job.rangesDone,
    rangesTotal: job.rangesTotal,
    rowsPerSecond: Math.round(rate),
    etaSeconds: copyDone || !moving || rate <= 0 ? null : Math.round(Math.max(0, estimate - handled) / rate),
  };
}

/** The API's answer for a job. */
export function backfillSummary(job: BackfillJob) {
  return {
    id: job.id,
    table: `${job.schemaName}.${job.tableName}`,
    scope: job.scope.kind,
    status: job.status,
    progress: backfillProgress(job),
    copied: job.rowsCopied,
    skippedExisting: job.rowsSkippedExisting,
    setAside: job.rowsSetAside,
    rounds: job.rounds,
    remaining: job.remaining,
    error: job.error,
    /** while it is under way: since when it waits for a database it lost, and the error it met (null when not) */
    waitingForDatabase: waitingForDatabase("backfill", job),
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
  };
}
