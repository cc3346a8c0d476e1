import type PgBoss from "pg-boss";
import { jobsNeedingWorkers } from "~/models/reconciliation.server";
import { runReconciliationWorker } from "~/reconciliation/worker.server";
import { repairAfterVerify } from "~/models/reconciliation-repair.server";
import { queueDueSchedules } from "~/models/reconciliation-schedule.server";
import { sideSql } from "~/utils/databases.server";
import { getEnv } from "~/utils/env.server";
import { ensureQueue, WORKER_SEND_OPTIONS } from "./boss.server";

export const RECONCILIATION_QUEUE = "reconciliation.run";
const RESUME_QUEUE = "reconciliation.resume";
const SCHEDULE_QUEUE = "reconciliation.schedules";

/** Dispatches a job: one pg-boss job per wanted worker; each claims bucket ranges until none is left. */
export async function dispatchReconciliation(boss: PgBoss, jobId: string, workers: number) {
  await ensureQueue(boss, RECONCILIATION_QUEUE, { name: RECONCILIATION_QUEUE, retryLimit: 3, expireInSeconds: 6 * 3600 });
  for (let i = 0; i < Math.max(1, workers); i++) await boss.send(RECONCILIATION_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
}

export async function registerReconciliationJobs(boss: PgBoss) {
  await ensureQueue(boss, RECONCILIATION_QUEUE, { name: RECONCILIATION_QUEUE, retryLimit: 3, expireInSeconds: 6 * 3600 });
  await ensureQueue(boss, RESUME_QUEUE, { name: RESUME_QUEUE, policy: "singleton" });
  // several handlers per process (pg-boss 10 runs one batch at a time per work() call), so one worker machine
  // shares a job's ranges between them and a long job does not keep the next one queued
  for (let slot = 0; slot < getEnv().CUTOVER_WORKER_JOBS; slot++) {
    await boss.work<{ jobId: string }>(RECONCILIATION_QUEUE, { batchSize: 1, pollingIntervalSeconds: 1 }, async ([job]) => {
      await runReconciliationWorker(
        job.data.jobId,
        { source: sideSql("source"), target: sideSql("target") },
        { onSucceeded: async (finished) => void (await repairAfterVerify(finished)) },
      );
    });
  }
  // a worker killed mid-range leaves its range un-heartbeated: every minute, jobs with such ranges get a worker
  await boss.work(RESUME_QUEUE, async () => {
    for (const jobId of await jobsNeedingWorkers()) await boss.send(RECONCILIATION_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
  });
  await boss.schedule(RESUME_QUEUE, "* * * * *");
  // per-table sweeps: every 5 minutes the due schedules are claimed (one job each, whichever worker runs it)
  await ensureQueue(boss, SCHEDULE_QUEUE, { name: SCHEDULE_QUEUE, policy: "singleton" });
  await boss.work(SCHEDULE_QUEUE, async () => {
    for (const jobId of await queueDueSchedules()) await dispatchReconciliation(boss, jobId, 2);
  });
  await boss.schedule(SCHEDULE_QUEUE, "*/5 * * * *");
  // resume right away on start-up too (the usual case after a crash)
  for (const jobId of await jobsNeedingWorkers()) await boss.send(RECONCILIATION_QUEUE, { jobId }, WORKER_SEND_OPTIONS);
}
