import type PgBoss from "pg-boss";
import { collectSchemaParity } from "~/models/schema-parity.server";
import { ensureQueue } from "./boss.server";

const QUEUE = "schema-parity.collect";

/**
 * Compares both catalogs once a minute (pg-boss cron, once across all workers). A collection reads the catalogs
 * only (no table data), so a missed or doubled run costs nothing; the singleton key keeps overlapping runs apart.
 */
export async function registerSchemaParityJobs(boss: PgBoss) {
  await ensureQueue(boss, QUEUE, { name: QUEUE, expireInSeconds: 120, retryLimit: 0 });
  await boss.work(QUEUE, async () => {
    await collectSchemaParity();
  });
  await boss.schedule(QUEUE, "* * * * *", {}, { singletonKey: "cycle" });
  // A worker that just started shows the comparison at once rather than after the first cron tick.
  await boss.send(QUEUE, {}, { singletonKey: "cycle", singletonSeconds: 30 });
}
