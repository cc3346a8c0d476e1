import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { getBoss, stopBoss } from "~/jobs/boss.server";
import { LATENCY_PRUNE_QUEUE, registerLatencyJobs } from "~/jobs/latency.server";
import { LATENCY_RETENTION_DAYS, latencySummaryForMetrics, pruneOperationLatency } from "~/models/operation-latency.server";
import { useControlDatabase } from "../mismatches/use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;

beforeAll(async () => {
  control = await useControlDatabase("latprune");
});
afterAll(async () => {
  await stopBoss();
  await control?.close();
});

/** `minutes` rows of one series, the newest `daysAgo` days back, and the totals they add up to. */
async function insertMinutes(operation: string, daysAgo: number, minutes: number) {
  const sql = control.db.sql;
  await sql`insert into operation_latency (minute, cohort_id, table_name, operation, side, count, errors, sum_ms, buckets)
    select date_trunc('minute', now()) - make_interval(days => ${daysAgo}) - m * interval '1 minute', '', 'documents', ${operation}, 'target', 2, 0, 3,
      array[0, 0, 0, 0, 2]::bigint[] || array_fill(0::bigint, array[18])
    from generate_series(0, ${minutes - 1}) m`;
  await sql`insert into operation_latency_totals (table_name, operation, side, count, errors, sum_ms, buckets)
    values ('documents', ${operation}, 'target', ${2 * minutes}, 0, ${3 * minutes}, ${`{0,0,0,0,${2 * minutes},${Array(18).fill(0).join(",")}}`}::bigint[])`;
}

const minutesOf = async (operation: string) =>
  (await control.db.sql`select count(*)::int as n from operation_latency where operation = ${operation}`)[0].n as number;

describe("latency retention", () => {
  it("deletes the minutes older than the retention, in batches, and leaves newer minutes and the /metrics totals alone", async () => {
    await insertMinutes("old", LATENCY_RETENTION_DAYS + 1, 45_000);
    await insertMinutes("recent", LATENCY_RETENTION_DAYS - 1, 100);
    // 45,000 old rows: more than one batch.
    expect(await pruneOperationLatency()).toBe(45_000);
    expect(await minutesOf("old")).toBe(0);
    expect(await minutesOf("recent")).toBe(100);
    const totals = await latencySummaryForMetrics();
    expect(totals.find((s) => s.operation === "old")?.count).toBe(90_000);
    expect(await pruneOperationLatency()).toBe(0);
  });

  it("runs hourly through pg-boss, and a job of its queue prunes", async () => {
    const boss = await getBoss({ worker: true });
    await registerLatencyJobs(boss);
    const schedules = await boss.getSchedules();
    expect(schedules.find((s) => s.name === LATENCY_PRUNE_QUEUE)?.cron).toBe("17 * * * *");
    await insertMinutes("stale", LATENCY_RETENTION_DAYS + 2, 10);
    await boss.send(LATENCY_PRUNE_QUEUE, {});
    await vi.waitFor(async () => expect(await minutesOf("stale")).toBe(0), { timeout: 20_000, interval: 200 });
    expect(await minutesOf("recent")).toBe(100);
  });
});
