import type PgBoss from "pg-boss";
import { backfillsNeedingWorkers, runBackfillWorker } from "~/backfill/worker.server";
import { repairSql, sideSql } from "~/utils/databases.server";
import { getEnv } from "~/utils/env.server";
import { ensureQueue, WORKER_SEND_OPTIONS } from "./boss.server";

export const BACKFILL_QUEUE = "backfill.run";
const RESUME_QUEUE = "backfill.resume";
const QUEUE_OPTIONS = { name: BACKFILL_QUEUE, retryLimit: 3, expireInSeconds: 12 * 3600 };

/** One pg-boss job per wanted worker; each claims key ranges until none is left. */
export async function dispatchBackfill(boss: PgBoss, jobId: string, workers: number) {
  await ensureQueue(boss, BACKFILL_QUEUE, QUEUE_OPTIONS);
  for (let i = 0; i < Math.max(1, workers); i++) await boss.send(BACKFILL_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
}

const sides = () => ({ source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") });

export async function registerBackfillJobs(boss: PgBoss) {
  await ensureQueue(boss, BACKFILL_QUEUE, QUEUE_OPTIONS);
  await ensureQueue(boss, RESUME_QUEUE, { name: RESUME_QUEUE, policy: "singleton" });
  // pg-boss 10 runs one batch at a time per work() call: one poller per job slot, so a throttled backfill does
  // not keep the next one queued
  for (let slot = 0; slot < getEnv().CUTOVER_WORKER_JOBS; slot++) {
    await boss.work<{ jobId: string }>(BACKFILL_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      await runBackfillWorker(job.data.jobId, sides());
    });
  }
  // a worker killed mid-range stops heart-beating: every minute, jobs with such ranges get a worker again
  await boss.work(RESUME_QUEUE, async () => {
    for (const jobId of await backfillsNeedingWorkers()) await boss.send(BACKFILL_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
  });
  await boss.schedule(RESUME_QUEUE, "* * * * *");
  for (const jobId of await backfillsNeedingWorkers()) await boss.send(BACKFILL_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
}
