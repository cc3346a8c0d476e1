import type PgBoss from "pg-boss";
import type postgres from "postgres";
import { HEALTH_SIDES, type HealthSide } from "../../db/schema";
import { collectHealth, type HealthReading } from "~/health/collect.server";
import { smoothedXidRate } from "~/health/xid-forecast";
import { applyHealthRetention, claimHealthSlot, recentXidCounter, saveHealthReading } from "~/models/health.server";
import { controlSql } from "~/utils/db.server";
import { redactError, sideSql } from "~/utils/databases.server";
import { ensureQueue } from "./boss.server";

export const HEALTH_CYCLE_MS = 30_000;
/** Sizes (pg_database_size stats every file) are read every 10th cycle, i.e. every 5 minutes. */
const SIZE_EVERY_CYCLES = 10;
const RATE_WINDOW_MS = 2 * 3_600_000;
const TICK_QUEUE = "health.tick";
const COLLECT_QUEUE = "health.collect";

export interface HealthCycleDeps {
  control: postgres.Sql;
  side(side: HealthSide): postgres.Sql;
}

/**
 * One collector cycle: for each side, claim the cycle's slot (a unique row, so concurrent workers collect once),
 * read the database, store the reading with its smoothed XID rate, then trim old rows. A side that is down is
 * stored as a failed reading with the error; the other side is unaffected.
 */
export async function runHealthCycle(now = Date.now(), deps: HealthCycleDeps = { control: controlSql(), side: sideSql }) {
  const slot = Math.floor(now / HEALTH_CYCLE_MS);
  const results = await Promise.all(
    HEALTH_SIDES.map(async (side) => {
      const id = await claimHealthSlot(side, slot, new Date(now), deps.control);
      if (id === null) return { side, collected: false };
      let reading: HealthReading;
      try {
        reading = await collectHealth(deps.side(side), { sizes: slot % SIZE_EVERY_CYCLES === 0 });
      } catch (error) {
        reading = { ok: false, collectedAt: Date.now(), error: String(error) };
      }
      if (!reading.ok) reading = { ...reading, error: redactError(reading.error) };
      let rate: number | null = null;
      if (reading.ok && reading.xid) {
        const history = await recentXidCounter(side, new Date(now - RATE_WINDOW_MS), deps.control);
        rate = smoothedXidRate([...history, { at: reading.xid.collectedAt, nextXid: reading.xid.nextXid }]);
      }
      await saveHealthReading(id, side, reading, rate, deps.control);
      return { side, collected: true };
    }),
  );
  await applyHealthRetention(new Date(now), deps.control);
  return results;
}

/**
 * pg-boss crons fire once a minute (across all workers), so each tick queues two collections, now and 30 s later.
 * Duplicates (several ticks, retries) are harmless: the slot claim lets only one of them collect.
 */
export async function registerHealthJobs(boss: PgBoss) {
  await ensureQueue(boss, TICK_QUEUE);
  await ensureQueue(boss, COLLECT_QUEUE, { name: COLLECT_QUEUE, expireInSeconds: 60, retryLimit: 0 });
  await boss.work(TICK_QUEUE, async () => {
    await boss.send(COLLECT_QUEUE, {}, { singletonKey: "now", singletonSeconds: 25 });
    await boss.send(COLLECT_QUEUE, {}, { startAfter: 30, singletonKey: "later", singletonSeconds: 25 });
  });
  await boss.work<{ followUp?: boolean }>(COLLECT_QUEUE, async ([job]) => {
    await runHealthCycle();
    // Sent once this collection is done, so the two are at least a cycle apart (distinct slots) whatever the polling delay.
    if (job?.data?.followUp) await boss.send(COLLECT_QUEUE, {}, { startAfter: HEALTH_CYCLE_MS / 1000, singletonKey: "follow-up", singletonSeconds: 25 });
  });
  await boss.schedule(TICK_QUEUE, "* * * * *");
  // A worker that just started should not leave the pages empty until the first cron tick, and its second sample
  // follows 30 s later rather than at a tick up to a minute away: two samples are what the XID rate (and so the
  // Wraparound runway and the planner's dates) needs.
  await boss.send(COLLECT_QUEUE, { followUp: true }, { singletonKey: "now", singletonSeconds: 25 });
}
