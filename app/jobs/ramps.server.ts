import type PgBoss from "pg-boss";
import { stepDueRamps } from "~/rollout/scheduled-ramps.server";
import { ensureQueue } from "./boss.server";

const RAMP_QUEUE = "rollout.ramps";

/** Scheduled ramps: every 5 minutes, step the cohorts whose next step is due, gates permitting. */
export async function registerRampJobs(boss: PgBoss) {
  // One pass at a time: two overlapping passes would only produce 409s against each other.
  await ensureQueue(boss, RAMP_QUEUE, { name: RAMP_QUEUE, policy: "singleton" });
  await boss.work(RAMP_QUEUE, async () => {
    await stepDueRamps();
  });
  await boss.schedule(RAMP_QUEUE, "*/5 * * * *");
}
