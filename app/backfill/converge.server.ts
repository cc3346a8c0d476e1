import { randomUUID } from "node:crypto";
import type { BackfillRound, BackfillSides } from "./types";
import { getBackfillJob } from "../models/backfill.server";
import { engineScopeOf } from "./scope";
import { applyJobRepair } from "../models/reconciliation-repair.server";
import { createReconciliationJob, getReconciliationJob } from "../models/reconciliation.server";
import { runReconciliationWorker } from "~/reconciliation/worker.server";
import { controlSql } from "~/utils/db.server";
import { redactError } from "~/utils/databases.server";

/** The converge runner's heartbeat; one silent for this long is taken over by another worker. */
export const CONVERGE_STALE_MS = 60_000;
const HEARTBEAT_MS = 5_000;

/**
 * After the copy: verify the same scope with the reconciliation engine (a verify job, so its differences are
 * mismatch records like any other), repair them source-wins through the reconciliation repair path (every
 * copy races the writes made during it), and verify again, up to the job's rounds. A clean verify ends the job
 * `converged`; differences in the last round end it `not_converged`, and that round's open mismatch records
 * (linked from the job's rounds) are what still differs.
 */
export async function convergeBackfill(jobId: string, sides: BackfillSides, signal: AbortSignal): Promise<void> {
  const sql = controlSql();
  const heartbeat = setInterval(() => {
    sql`update backfill_jobs set converge_heartbeat_at = now() where id = ${jobId} and status = 'converging'`.catch(() => {});
  }, HEARTBEAT_MS);
  let current: string | null = null;
  const stopRound = () => {
    if (current) sql`update reconciliation_jobs set cancel_requested_at = now() where id = ${current} and status in ('queued', 'running')`.catch(() => {});
  };
  signal.addEventListener("abort", stopRound, { once: true });
  try {
    const job = (await getBackfillJob(jobId))!;
    const scope = engineScopeOf(job.scope);
    const rounds = [...job.rounds];
    for (let round = rounds.length + 1; round <= job.maxRounds; round++) {
      if (signal.aborted) return;
      current =
        (await roundVerifyInFlight(jobId)) ??
        (await startRoundVerify(
          jobId,
          await createReconciliationJob(
            {
              schemaName: job.schemaName,
              tableName: job.tableName,
              scope,
              mode: "verify",
              rowsPerSecond: job.rowsPerSecond,
              concurrency: 1,
              reason: `backfill ${jobId}: converge round ${round}`,
            },
            job.actor,
          ),
        ));
      // A worker id of this runner's own: a verify taken over has ranges claimed by the runner before, which a worker
      // never takes from itself (it takes them as stale from anyone else).
      const workerId = `backfill-${jobId.slice(0, 8)}-r${round}-${randomUUID().slice(0, 8)}`;
      await runReconciliationWorker(current, { source: sides.source, target: sides.target }, { workerId });
      const verify = await untilFinished(current, signal);
      if (signal.aborted) return;
      if (verify.status !== "succeeded") throw new Error(`converge round ${round}: the verify ${verify.status}${verify.error ? `: ${verify.error}` : ""}`);
      const differences = verify.missingInTarget + verify.extraInTarget + verify.valueMismatch;
      const entry: BackfillRound = { round, reconciliationJobId: current, differences, repaired: 0, remaining: differences, finishedAt: "" };
      if (differences > 0 && round < job.maxRounds) {
        try {
          const outcome = await applyJobRepair(current, job.actor, `backfill ${jobId}: source wins (${job.reason})`, null);
          entry.repaired = outcome.applied;
          entry.remaining = outcome.remaining;
        } catch (error) {
          // a repair the target refuses is recorded on the round; the next verify says what is left
          entry.error = error instanceof Response ? await error.text() : redactError(error);
        }
      }
      entry.finishedAt = new Date().toISOString();
      rounds.push(entry);
      const last = differences === 0 || round === job.maxRounds;
      const status = differences === 0 ? "converged" : "not_converged";
      await sql`
        update backfill_jobs set rounds = ${JSON.stringify(rounds)}::text::jsonb, remaining = ${differences}, converge_verify_id = null,
          status = ${last ? status : "converging"}, finished_at = case when ${last} then now() end, interrupted_at = null, interruption = null
        where id = ${jobId} and status = 'converging'`;
      if (last) return;
    }
  } finally {
    clearInterval(heartbeat);
    signal.removeEventListener("abort", stopRound);
  }
}

const FINISHED = new Set(["succeeded", "failed", "cancelled"]);

/**
 * The verify a runner before this one started for the round it did not finish (it died, or went silent and was
 * taken over): still running, or finished without its result recorded. Null when the round has none, or its verify
 * failed or was cancelled (the round starts a new one).
 */
async function roundVerifyInFlight(jobId: string): Promise<string | null> {
  const [row] = await controlSql()<{ id: string }[]>`
    select j.id from backfill_jobs b join reconciliation_jobs j on j.id = b.converge_verify_id
    where b.id = ${jobId} and j.status not in ('failed', 'cancelled')`;
  return row?.id ?? null;
}

async function startRoundVerify(jobId: string, verifyId: string): Promise<string> {
  await controlSql()`update backfill_jobs set converge_verify_id = ${verifyId} where id = ${jobId}`;
  return verifyId;
}

/**
 * The round's verify once it has finished. This worker's share ends when no range is left to claim, but a
 * worker of the reconciliation queue (the resume sweep sends one to any job with pending ranges) may still be
 * comparing the last range it took: the round waits for it instead of reading a verify that is still running.
 */
async function untilFinished(jobId: string, signal: AbortSignal) {
  for (;;) {
    const job = (await getReconciliationJob(jobId))!;
    if (FINISHED.has(job.status) || signal.aborted) return job;
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
