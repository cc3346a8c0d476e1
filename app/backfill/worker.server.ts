import { randomUUID } from "node:crypto";
import { copyRange, type CopiedBatch } from "./copy";
import { withRetry } from "./retry";
import { describeCopyTable, type CopyTable } from "./table";
import { engineScopeOf } from "./scope";
import type { BackfillScope, BackfillSides } from "./types";

export type { BackfillSides };
import { prepareReconciliation } from "../reconciliation/context";
import { planBuckets } from "../reconciliation/plan";
import type { KeyTuple } from "../reconciliation/keys";
import { RowRateLimiter } from "../reconciliation/rate-limit";
import { getBackfillJob, type BackfillJob } from "../models/backfill.server";
import { convergeBackfill, CONVERGE_STALE_MS } from "./converge.server";
import { resolveCohortMembers } from "../models/reconciliation-cohort.server";
import { controlSql } from "~/utils/db.server";
import { jobFailedEvent } from "~/notifications/events";
import { notify } from "../models/notification.server";
import { redactError } from "~/utils/databases.server";
import { guardReconciliationTable } from "../models/schema-guard.server";
import { watchForCancel } from "~/utils/cancel-watch";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { stopForOutage } from "~/models/job-interruption.server";

/** A range whose worker sent no heartbeat for this long is taken over (from its checkpoint) by another worker. */
export const BACKFILL_STALE_AFTER_MS = 15_000;
const HEARTBEAT_MS = 3_000;
const CANCEL_POLL_MS = 1_000;
/** Ranges a job's key space is cut into at most: the unit workers share and the checkpoint's granularity. */
const MAX_RANGES = 64;

/** The range was taken over by another worker (this one was thought dead): it stops copying it. */
class LostRange extends Error {}

/**
 * A worker's share of a backfill: plans it if nobody has, claims ranges (pending, or abandoned by a worker that
 * stopped heart-beating) and copies each from its checkpoint; the worker that finishes the last range runs the
 * converge rounds. Any number of workers may run this for one job.
 */
export async function runBackfillWorker(
  jobId: string,
  sides: BackfillSides,
  options: { workerId?: string; staleAfterMs?: number; statementTimeoutMs?: number; outageLimitMs?: number } = {},
): Promise<void> {
  const workerId = options.workerId ?? `${process.pid}-${randomUUID().slice(0, 8)}`;
  const staleAfterMs = options.staleAfterMs ?? BACKFILL_STALE_AFTER_MS;
  const sql = controlSql();
  const initial = await getBackfillJob(jobId);
  if (!initial || !["queued", "copying", "converging"].includes(initial.status)) return;
  const abort = new AbortController();
  const stopCancelWatch = watchForCancel(
    async () => {
      const [row] = await sql`select cancel_requested_at from backfill_jobs where id = ${jobId}`;
      return Boolean(row?.cancel_requested_at);
    },
    abort,
    CANCEL_POLL_MS,
  );
  try {
    if (initial.status !== "converging") {
      // Checked again here: a job row written any other way than the API still never touches a system catalog.
      const guard = await guardReconciliationTable({ schemaName: initial.schemaName, tableName: initial.tableName });
      if (!guard.ok) {
        const failed =
          await sql`update backfill_jobs set status = 'failed', error = ${`refused: ${guard.message}`}, finished_at = now() where id = ${jobId} and status in ('queued', 'copying') returning id`;
        if (failed.length) await notify(jobFailedEvent("backfill", initial, `refused: ${guard.message}`));
        return;
      }
      const described = await withRetry(() => describeCopyTable(sides.source, sides.targetWriter, initial.schemaName, initial.tableName), {
        signal: abort.signal,
      });
      if (!described.table) {
        const failed =
          await sql`update backfill_jobs set status = 'failed', error = ${described.problems.join("; ")}, finished_at = now() where id = ${jobId} and status in ('queued', 'copying') returning id`;
        if (failed.length) await notify(jobFailedEvent("backfill", initial, described.problems.join("; ")));
        return;
      }
      const job = await planOnce(jobId, described.table, sides, abort.signal);
      if (!job) return;
      await copyShare(job, described.table, sides, workerId, staleAfterMs, abort.signal, options.statementTimeoutMs ?? 60_000);
      if (abort.signal.aborted) return await markCancelled(jobId);
      // exactly one worker finds the copy complete and moves the job on to its converge rounds
      await sql`
        update backfill_jobs set status = 'converging', copied_at = now(), converge_heartbeat_at = now() - interval '1 day',
          interrupted_at = null, interruption = null
        where id = ${jobId} and status = 'copying' and not exists (select 1 from backfill_ranges where job_id = ${jobId} and not done)`;
    }
    // the converge phase has one runner: whoever claims it (or takes it over from a runner gone silent)
    const [claimed] = await sql`
      update backfill_jobs set converge_heartbeat_at = now()
      where id = ${jobId} and status = 'converging' and cancel_requested_at is null
        and converge_heartbeat_at < now() - ${`${CONVERGE_STALE_MS} milliseconds`}::interval
      returning id`;
    if (claimed) await convergeBackfill(jobId, sides, abort.signal);
    if (abort.signal.aborted) await markCancelled(jobId);
  } catch (error) {
    if (abort.signal.aborted) return await markCancelled(jobId);
    // A lost database (the source and the target are waited for batch by batch; the control DB is not) is not the
    // job's failure: it waits (see stopForOutage), unless the outage has lasted too long.
    const failure = isDatabaseUnavailable(error) ? await stopForOutage("backfill", jobId, workerId, error, options.outageLimitMs) : redactError(error);
    if (failure === null) throw error;
    const failed = await sql`update backfill_jobs set status = 'failed', error = ${failure.slice(0, 2000)}, finished_at = now()
      where id = ${jobId} and status in ('queued', 'copying', 'converging') returning id`;
    if (failed.length) await notify(jobFailedEvent("backfill", initial, failure));
    throw error;
  } finally {
    stopCancelWatch();
  }
}

async function markCancelled(jobId: string) {
  await controlSql()`update backfill_jobs set status = 'cancelled', finished_at = coalesce(finished_at, now()) where id = ${jobId} and status in ('queued', 'copying', 'converging')`;
}

/**
 * The first worker resolves a cohort (the reconciliation's resolution, same evaluation), counts the scope and
 * cuts the key space into ranges, under the job row's lock; later workers wait for the lock and find the
 * ranges there: the checkpoint. Null: the job ended meanwhile.
 */
async function planOnce(jobId: string, table: CopyTable, sides: BackfillSides, signal: AbortSignal): Promise<BackfillJob | null> {
  await controlSql().begin(async (tx) => {
    const [row] = await tx<{ ranges_total: number | null; status: string; scope: BackfillScope }[]>`
      select ranges_total, status::text as status, scope from backfill_jobs where id = ${jobId} for update`;
    if (!row || row.ranges_total !== null || !["queued", "copying"].includes(row.status)) return;
    let scope = row.scope;
    if (scope.kind === "cohort" && !scope.members) {
      scope = { ...scope, members: await resolveCohortMembers(scope.cohortId, { signal }) };
    }
    const [schema, name] = [table.label.slice(0, table.label.indexOf(".")), table.label.slice(table.label.indexOf(".") + 1)];
    const { context } = await prepareReconciliation(sides.source, sides.targetWriter, {
      schema,
      table: name,
      scope: engineScopeOf(scope),
      bucketCount: MAX_RANGES,
    });
    if (!context) throw new Error(`${table.label} cannot be planned: its catalog changed`);
    const { buckets, estimatedRows } = await planBuckets(context);
    // neighbouring buckets make one range, so a big table still has at most about MAX_RANGES ranges
    const size = Math.max(1, Math.ceil(buckets.length / MAX_RANGES));
    const ranges: { lower: KeyTuple | null; upper: KeyTuple | null }[] = [];
    for (let i = 0; i < buckets.length; i += size) {
      const run = buckets.slice(i, i + size);
      ranges.push({ lower: run[0].lower, upper: run[run.length - 1].upper });
    }
    await tx`
      insert into backfill_ranges (job_id, index, lower, upper)
      select ${jobId}, (r.ordinality - 1)::int, r.value->'lower', r.value->'upper'
      from jsonb_array_elements(${JSON.stringify(ranges)}::text::jsonb) with ordinality as r`;
    await tx`
      update backfill_jobs set status = 'copying', started_at = clock_timestamp(), estimated_rows = ${estimatedRows}, ranges_total = ${ranges.length},
        scope = ${JSON.stringify(scope)}::text::jsonb, samples = jsonb_build_array(jsonb_build_object('at', now(), 'rows', 0))
      where id = ${jobId}`;
  });
  const job = await getBackfillJob(jobId);
  return job && job.status === "copying" ? job : null;
}

async function copyShare(
  job: BackfillJob,
  table: CopyTable,
  sides: BackfillSides,
  workerId: string,
  staleAfterMs: number,
  signal: AbortSignal,
  statementTimeoutMs: number,
) {
  const sql = controlSql();
  const scope = engineScopeOf(job.scope);
  // the cap is the job's: each of its workers takes its share
  const limiter = new RowRateLimiter(job.rowsPerSecond ? job.rowsPerSecond / Math.max(1, job.workers) : null);
  for (;;) {
    if (signal.aborted) return;
    const range = await claimRange(job.id, workerId, staleAfterMs);
    if (!range) return;
    const heartbeat = setInterval(() => {
      sql`update backfill_ranges set heartbeat_at = now() where job_id = ${job.id} and index = ${range.index} and claimed_by = ${workerId}`.catch(() => {});
    }, HEARTBEAT_MS);
    try {
      await copyRange(table, { source: sides.source, target: sides.targetWriter }, range, scope, {
        batchRows: job.batchRows,
        batchBytes: job.batchBytes,
        statementTimeoutMs,
        limiter,
        signal,
        onBatch: (batch) => checkpoint(job.id, range.index, workerId, table, batch),
      });
      await sql.begin(async (tx) => {
        const [done] =
          await tx`update backfill_ranges set done = true where job_id = ${job.id} and index = ${range.index} and claimed_by = ${workerId} and not done returning index`;
        if (done) await tx`update backfill_jobs set ranges_done = ranges_done + 1 where id = ${job.id}`;
      });
    } catch (error) {
      if (!(error instanceof LostRange)) throw error;
    } finally {
      clearInterval(heartbeat);
    }
  }
}

/**
 * After each batch is on the target: the range's cursor moves past it and the job's counts grow, in one
 * control transaction, with the refused rows. A worker that lost its range (taken over as stale) records
 * nothing and stops: the new owner copies on from the last recorded cursor.
 */
async function checkpoint(jobId: string, index: number, workerId: string, table: CopyTable, batch: CopiedBatch) {
  await controlSql().begin(async (tx) => {
    const [owned] = await tx`
      update backfill_ranges set cursor = ${JSON.stringify(batch.cursor)}::text::jsonb, rows_copied = rows_copied + ${batch.inserted}, heartbeat_at = now()
      where job_id = ${jobId} and index = ${index} and claimed_by = ${workerId} and not done returning index`;
    if (!owned) throw new LostRange(`range ${index} of ${table.label} was taken over`);
    const handled = batch.inserted + batch.skipped + batch.refused.length;
    // a rate sample every 2 s at most, the last 30 kept: enough for the rate and ETA, bounded on any table
    await tx`
      update backfill_jobs set
        rows_copied = rows_copied + ${batch.inserted}, rows_skipped_existing = rows_skipped_existing + ${batch.skipped},
        rows_set_aside = rows_set_aside + ${batch.refused.length},
        samples = case when coalesce((samples->-1->>'at')::timestamptz, '-infinity') < now() - interval '2 seconds'
          then (case when jsonb_array_length(samples) >= 30 then samples - 0 else samples end)
            || jsonb_build_array(jsonb_build_object('at', now(), 'rows', rows_copied + rows_skipped_existing + rows_set_aside + ${handled}))
          else samples end,
        -- a batch recorded: the databases answer again
        interrupted_at = null, interruption = null
      where id = ${jobId}`;
    if (batch.refused.length) {
      await tx`
        insert into backfill_set_aside (job_id, primary_key, row, sqlstate, error)
        select ${jobId}, r.value->'key', r.value->'row', r.value->>'sqlstate', r.value->>'error'
        from jsonb_array_elements(${JSON.stringify(batch.refused)}::text::jsonb) as r`;
    }
  });
}

async function claimRange(jobId: string, workerId: string, staleAfterMs: number) {
  const [row] = await controlSql()<{ index: number; lower: KeyTuple | null; upper: KeyTuple | null; cursor: KeyTuple | null }[]>`
    update backfill_ranges set claimed_by = ${workerId}, heartbeat_at = now(), claims = claims + 1
    where (job_id, index) = (
      select job_id, index from backfill_ranges
      where job_id = ${jobId} and not done
        and (claimed_by is null or heartbeat_at < now() - ${`${staleAfterMs} milliseconds`}::interval)
      order by index limit 1 for update skip locked)
    returning index, lower, upper, cursor`;
  return row ?? null;
}

/** Jobs whose ranges (or converge phase) lost their worker: the resume sweep dispatches workers for them. */
export async function backfillsNeedingWorkers(): Promise<string[]> {
  const rows = await controlSql()<{ id: string }[]>`
    select j.id from backfill_jobs j
    where j.cancel_requested_at is null and (
      j.status in ('queued', 'copying') and (j.ranges_total is null and j.created_at < now() - interval '10 seconds'
        or exists (select 1 from backfill_ranges r where r.job_id = j.id and not r.done
          and (r.claimed_by is null or r.heartbeat_at < now() - ${`${BACKFILL_STALE_AFTER_MS} milliseconds`}::interval))
        -- every range copied, none lately, yet still copying: its last worker met an outage before moving the job on
        or j.ranges_total is not null and not exists (select 1 from backfill_ranges r where r.job_id = j.id
          and (not r.done or r.heartbeat_at >= now() - ${`${BACKFILL_STALE_AFTER_MS} milliseconds`}::interval)))
      or j.status = 'converging' and j.converge_heartbeat_at < now() - ${`${CONVERGE_STALE_MS} milliseconds`}::interval)`;
  return rows.map((r) => r.id);
}
