import type PgBoss from "pg-boss";
import { pruneOperationLatency } from "~/models/operation-latency.server";
import { ensureQueue } from "./boss.server";

export const LATENCY_PRUNE_QUEUE = "latency.prune";

/** Prunes old latency minutes every hour (pg-boss runs a cron once across all workers). */
export async function registerLatencyJobs(boss: PgBoss) {
  await ensureQueue(boss, LATENCY_PRUNE_QUEUE, { name: LATENCY_PRUNE_QUEUE, expireInSeconds: 900, retryLimit: 2 });
  await boss.work(LATENCY_PRUNE_QUEUE, async () => {
    await pruneOperationLatency();
  });
  await boss.schedule(LATENCY_PRUNE_QUEUE, "17 * * * *");
}
