import { randomUUID } from "node:crypto";
import { setMaxListeners } from "node:events";
import type postgres from "postgres";
import { cohortDataCopied } from "~/models/backfill-cohort.server";
import { ingestMismatches } from "~/models/mismatch-ingest.server";
import { listActiveRules } from "~/models/normalization-rule.server";
import { notify } from "~/models/notification.server";
import { engineScope, evaluateOwners } from "~/models/reconciliation-cohort.server";
import {
  cancelRequested,
  claimRange,
  failJobOnDrift,
  findingsTable,
  getReconciliationJob,
  heartbeatRange,
  markJobCancelled,
  markJobFailed,
  markJobSucceeded,
  planRangesOnce,
  recordRangeDone,
  refuseJob,
  STALE_AFTER_MS,
  type ReconciliationJob,
} from "~/models/reconciliation.server";
import { stopForOutage } from "~/models/job-interruption.server";
import { guardReconciliationTable } from "~/models/schema-guard.server";
import { createRuleResolver } from "~/normalization/rules";
import { jobFailedEvent } from "~/notifications/events";
import { redactError } from "~/utils/databases.server";
import { prepareReconciliation, type ReconcileContext } from "./context";
import { recheckBucketRange, scanBucketRange, type BucketRangeScan } from "./engine";
import { bucketRuns, chooseStrategy, planBuckets } from "./plan";
import { splitByExpectedState } from "./expected-state";
import { MAX_PENDING_RECHECKS, RecheckPipeline } from "./in-flight";
import type { Difference } from "./types";
import { watchForCancel } from "~/utils/cancel-watch";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";

/*
 * The reconciliation worker loop: plan, claim ranges, scan, re-read, record. The job and range rows it moves are
 * read and written through the reconciliation model; this module only orchestrates.
 */

/** Buckets per range: the unit a worker claims, checkpoints and re-runs after a crash. */
const BUCKETS_PER_RANGE = 25;
const HEARTBEAT_MS = 3_000;
const CANCEL_POLL_MS = 1_000;

export interface Sides {
  source: postgres.Sql;
  target: postgres.Sql;
}

/**
 * A worker's share of a job: plans it if nobody has, then claims ranges one at a time (pending, or abandoned by
 * a worker that stopped heart-beating) until none is left. Several workers may run this for the same job.
 * Each range's differences are ingested with an idempotency key of job + range, so a range re-run after a
 * crash never records a difference twice.
 */
export async function runReconciliationWorker(
  jobId: string,
  sides: Sides,
  options: { workerId?: string; staleAfterMs?: number; outageLimitMs?: number; onSucceeded?: (job: ReconciliationJob) => Promise<void> } = {},
): Promise<void> {
  const workerId = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const staleAfterMs = options.staleAfterMs ?? STALE_AFTER_MS;
  const job = await getReconciliationJob(jobId);
  if (!job || job.status === "succeeded" || job.status === "failed" || job.status === "cancelled") return;
  // Defence in depth: a job row written any other way than through the guarded entry points still reads nothing.
  const guard = await guardReconciliationTable({ schemaName: job.schemaName, tableName: job.tableName }, sides);
  if (!guard.ok) {
    if (await refuseJob(jobId, guard.message)) await notify(jobFailedEvent("reconciliation", job, `refused: ${guard.message}`));
    return;
  }
  const abort = new AbortController();
  // every range re-read in the pipeline waits on this signal (MAX_PENDING_RECHECKS, plus the scan's rate limiter)
  setMaxListeners(4 * MAX_PENDING_RECHECKS, abort.signal);
  const stopCancelWatch = watchForCancel(() => cancelRequested(jobId), abort, CANCEL_POLL_MS);
  // ranges' re-reads wait out the in-flight window (and are recorded) while the next ranges are scanned
  const finishing = new RecheckPipeline();
  try {
    const scope = await engineScope(jobId, job.scope, { staleAfterMs, signal: abort.signal });
    if (!scope) return;
    // the rules in force when the job starts, resolved for the table as ingestion resolves them
    const resolve = createRuleResolver(await listActiveRules());
    const table = findingsTable(job);
    const { drift, context } = await prepareReconciliation(sides.source, sides.target, {
      schema: job.schemaName,
      table: job.tableName,
      scope,
      rowsPerSecond: job.rowsPerSecond,
      concurrency: 1,
      signal: abort.signal,
      rulesFor: (column) => resolve(table, column),
      ownerColumn: job.ownerColumn,
      inFlightWindowMs: job.inFlightWindowMs,
    });
    if (!context) {
      await failJobOnDrift(jobId, drift);
      await notify(jobFailedEvent("reconciliation", job, "schema drift prevents the comparison"));
      return;
    }
    await planRangesOnce(
      jobId,
      async () => {
        const { buckets, estimatedRows } = await planBuckets(context);
        return { buckets, runs: bucketRuns(buckets, BUCKETS_PER_RANGE, true), estimatedRows };
      },
      drift,
    );
    const seen = { buckets: 0, differing: 0 };
    for (;;) {
      if (abort.signal.aborted) break;
      const range = await claimRange(jobId, workerId, staleAfterMs);
      if (!range) break;
      const heartbeat = setInterval(() => {
        heartbeatRange(jobId, range.index, workerId).catch(() => {});
      }, HEARTBEAT_MS);
      let scan: BucketRangeScan;
      try {
        scan = await scanBucketRange(context, range.buckets, chooseStrategy(context, seen));
      } catch (error) {
        clearInterval(heartbeat);
        throw error;
      }
      seen.buckets += scan.buckets.length;
      seen.differing += scan.bucketsDiffering;
      await finishing.add(finishRange(job, range.index, context, scan).finally(() => clearInterval(heartbeat)));
    }
    await finishing.drain();
    if (abort.signal.aborted) {
      await markJobCancelled(jobId);
      return;
    }
    const finished = await markJobSucceeded(jobId);
    // exactly one worker's update finds the job running: that worker alone runs the follow-up (a repair)
    if (finished && options.onSucceeded) await options.onSucceeded((await getReconciliationJob(jobId))!);
  } catch (error) {
    if (abort.signal.aborted) {
      await markJobCancelled(jobId);
      return;
    }
    if (isDatabaseUnavailable(error)) {
      // Not the job's failure: it waits (see stopForOutage) and this worker ends; pg-boss retries it and the
      // resume sweep sends one each minute. With the control DB itself down nothing can be recorded: it waits too.
      // The ranges being re-read end first (done, or given up), so the next worker finds them as they are.
      await finishing.settle();
      const failure = await stopForOutage("reconciliation", jobId, workerId, error, options.outageLimitMs);
      if (failure && (await markJobFailed(jobId, failure))) await notify(jobFailedEvent("reconciliation", job, failure));
      throw error;
    }
    const message = error instanceof Error ? error.message : String(error);
    if (await markJobFailed(jobId, message)) await notify(jobFailedEvent("reconciliation", job, redactError(error)));
    throw error;
  } finally {
    stopCancelWatch();
  }
}

/** Re-reads a scanned range's candidates, records its differences and counts the range done (once). */
async function finishRange(job: ReconciliationJob, rangeIndex: number, context: ReconcileContext, scan: BucketRangeScan) {
  const result = await recheckBucketRange(context, scan);
  const { mismatches, notYetMigrated } = await splitExpected(job, result.differences);
  await recordDifferences(job, rangeIndex, mismatches, result.rowsCompared);
  await recordRangeDone(job.id, rangeIndex, scan.buckets.length, result, mismatches, notYetMigrated.length);
}

/** Rows missing on the target whose owner is still on source_only (and not copied) are expected: not mismatches. */
async function splitExpected(job: ReconciliationJob, differences: Difference[]) {
  const owners = differences.flatMap((d) => (d.kind === "missing_in_target" && d.userId ? [d.userId] : []));
  if (!job.ownerColumn || owners.length === 0) return { mismatches: differences, notYetMigrated: [] };
  const assignments = await evaluateOwners(owners);
  const copied = new Map<string | null, boolean>();
  for (const a of assignments.values()) {
    if (a.mode === "source_only" && !copied.has(a.cohortId)) copied.set(a.cohortId, await cohortDataCopied(a.cohortId, job));
  }
  return splitByExpectedState(
    differences,
    (id) => assignments.get(id),
    (cohortId) => copied.get(cohortId) ?? false,
  );
}

async function recordDifferences(job: ReconciliationJob, rangeIndex: number, differences: Difference[], compared: number) {
  const table = findingsTable(job);
  const now = new Date();
  await ingestMismatches(
    {
      mismatches: differences.map((d) => ({
        origin: "reconciliation" as const,
        kind: d.kind,
        table,
        primaryKey: d.key.length === 1 ? d.key[0] : d.keyObject,
        userId: d.userId ?? undefined,
        sourceValue: d.source,
        targetValue: d.target,
        detectedAt: now,
      })),
      comparisons: compared > 0 ? [{ table, windowStart: now, compared, mismatched: differences.length }] : [],
    },
    // a range re-run after a crash replays the stored answer instead of recording the differences again
    { idempotencyKey: `reconciliation:${job.id}:${rangeIndex}`, reconciliationJobId: job.id },
  );
}
