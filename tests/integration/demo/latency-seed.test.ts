import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoControl } from "../../../db/seed/demo-control";
import { seedDemoLatency } from "../../../db/seed/demo-latency";
import { seedRolloutCohorts } from "../../../db/seed/rollout-cohorts";
import { loadPerformance } from "~/models/performance.server";
import { latencyByOperation } from "~/models/operation-latency.server";
import { useControlDatabase } from "../mismatches/use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;

beforeAll(async () => {
  control = await useControlDatabase("latseed");
  const urls = { controlUrl: control.db.url, sourceUrl: control.db.url, targetUrl: control.db.url };
  await seedDemoControl(urls.controlUrl);
  await seedRolloutCohorts(urls);
  await seedDemoLatency(urls);
}, 120_000);
afterAll(async () => {
  await control?.close();
});

describe("the demo's latency history", () => {
  it("gives the Performance page every operation on both sides, the target slower on writes than on reads", async () => {
    const page = await loadPerformance({ range: "1h" });
    expect(page.operations).toHaveLength(6);
    for (const op of page.operations) {
      expect(op.source?.count, op.operation).toBeGreaterThan(100);
      expect(op.target?.count, op.operation).toBe(op.source?.count);
      expect(op.p99Ratio, op.operation).toBeGreaterThan(1);
    }
    // Slowest on the target first: a write (an insert or the rename, whichever the hour's samples put ahead); the
    // primary-key read is the closest to the source.
    expect(page.operations[0].operation).toMatch(/^(insert|rename) /);
    expect(page.operations.at(-1)?.operation).toBe("select document by id");
    // The chart has a point per minute of the hour, each with both sides.
    expect(page.chart.length).toBeGreaterThanOrEqual(60);
    expect(page.chart.every((p) => p.source && p.target)).toBe(true);
  });

  it("spans a week without gaps in the day chart, and shows the incident's target timeouts", async () => {
    const week = await loadPerformance({ range: "7d" });
    expect(week.chart.length).toBeGreaterThanOrEqual(55);
    const day = await loadPerformance({ range: "24h" });
    expect(day.chart.length).toBeGreaterThanOrEqual(48);
    const now = Date.now();
    const [during] = await latencyByOperation({
      since: new Date(now - 31 * 3_600_000),
      until: new Date(now - 29 * 3_600_000),
      table: "annotations",
      operation: "insert annotation",
    });
    const [before] = await latencyByOperation({
      since: new Date(now - 40 * 3_600_000),
      until: new Date(now - 36 * 3_600_000),
      table: "annotations",
      operation: "insert annotation",
    });
    expect(during.target!.errorRate).toBeGreaterThan(0.02);
    expect(during.p99Ratio!).toBeGreaterThan(before.p99Ratio! * 5);
  });
});
