import postgres from "postgres";
import type { Actor } from "../../app/audit/actor";
import { createBackfillJob } from "../../app/models/backfill.server";
import { startCohortBackfill } from "../../app/models/backfill-cohort.server";
import { runBackfillWorker } from "../../app/backfill/worker.server";
import { repairSql, sideSql } from "../../app/utils/databases.server";
import type { DemoUrls } from "./urls";

const ENGINEER: Actor = { type: "user", id: null, label: "engineer@demo.local" };

/**
 * Backfills in the demo, made the real way: "Internal staff" (in shadow_read) had its tables backfilled and
 * converged before it moved there, and a slow backfill of the "Everyone" cohort's annotations is left queued
 * under a rows-per-second cap, so the worker runs it live for several minutes after start.
 * The models read the environment's database URLs, which the start script sets to these.
 */
export async function seedDemoBackfills(urls: DemoUrls): Promise<void> {
  const control = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  try {
    const cohorts = await control<{ id: string; name: string }[]>`select id::text, name from cohorts where name in ('Internal staff', 'Everyone')`;
    const staff = cohorts.find((c) => c.name === "Internal staff");
    const everyone = cohorts.find((c) => c.name === "Everyone");
    if (!staff || !everyone) return;
    const { started } = await startCohortBackfill(staff.id, ENGINEER, "Internal staff to shadow read: its previous rows on the target, verified");
    const sides = { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") };
    // parents first, one after the other: the target's foreign keys hold at every step
    for (const job of started) await runBackfillWorker(job.id, sides, { workerId: "demo-seed" });
    await createBackfillJob(
      {
        schemaName: "public",
        tableName: "annotations",
        scope: { kind: "cohort", cohortId: everyone.id, column: "author_id" },
        rowsPerSecond: 8,
        batchRows: 50,
        workers: 1,
        reason: "Everyone's annotations before the 10% step to shadow read",
      },
      ENGINEER,
    );
  } finally {
    await control.end({ timeout: 5 });
  }
}
