import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { runHealthCycle } from "../../../app/jobs/health.server";
import { applyHealthRetention, healthSeries, latestReadings, recentXidCounter } from "../../../app/models/health.server";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("health_ctl"),
    createScratchDatabase("health_src"),
    createScratchDatabase("health_tgt"),
  ]);
});
afterAll(async () => {
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

const deps = () => ({ control: control.sql, side: (side: "source" | "target") => (side === "source" ? source.sql : target.sql) });

describe("health collector cycle", () => {
  it("stores one reading per side per cycle however many workers run it at once", async () => {
    const now = Date.UTC(2026, 10, 26, 4, 0, 0);
    const results = await Promise.all(Array.from({ length: 6 }, () => runHealthCycle(now, deps())));
    const collected = results.flat().filter((r) => r.collected);
    expect(collected.map((r) => r.side).sort()).toEqual(["source", "target"]);
    const [{ count }] = await control.sql<{ count: number }[]>`select count(*)::int as count from health_readings`;
    expect(count).toBe(2);
  });

  it("derives the XID rate from consecutive readings and keeps hourly aggregates current", async () => {
    const start = Date.now();
    await runHealthCycle(start, deps());
    for (let i = 0; i < 30; i++) await source.sql`select pg_current_xact_id()`;
    await runHealthCycle(start + 30_000, deps());
    const { latest } = await latestReadings("source", control.sql);
    expect(latest?.ok).toBe(true);
    expect(latest?.xidRate).toBeGreaterThan(0);
    const counter = await recentXidCounter("source", new Date(start - 60_000), control.sql);
    expect(counter.length).toBeGreaterThanOrEqual(2);
    const [hourly] = await control.sql<{ count: number }[]>`
      select count(*)::int as count from health_series where resolution = 'hour' and metric = 'xid_age' and subject = ${source.name}`;
    expect(hourly.count).toBeGreaterThanOrEqual(1);
    const rows = await healthSeries("source", ["xid_age"], new Date(start - 3_600_000), new Date(start + 3_600_000), 300, control.sql);
    expect(rows.some((r) => r.subject === source.name)).toBe(true);
  });

  it("keeps raw rows 48 h and hourly rows 90 days", async () => {
    const now = new Date();
    const at = (hoursAgo: number) => new Date(now.getTime() - hoursAgo * 3_600_000).toISOString();
    await control.sql`
      insert into health_series (side, metric, subject, resolution, at, value, peak) values
        ('source', 'test_metric', '', 'raw', ${at(47)}, 1, 1),
        ('source', 'test_metric', '', 'raw', ${at(49)}, 1, 1),
        ('source', 'test_metric', '', 'hour', ${at(24 * 89)}, 1, 1),
        ('source', 'test_metric', '', 'hour', ${at(24 * 91)}, 1, 1)`;
    await applyHealthRetention(now, control.sql);
    const left = await control.sql<{ resolution: string; hours: number }[]>`
      select resolution, round(extract(epoch from (${now.toISOString()}::timestamptz - at)) / 3600)::int as hours
      from health_series where metric = 'test_metric' order by at`;
    expect(left).toEqual([
      { resolution: "hour", hours: 24 * 89 },
      { resolution: "raw", hours: 47 },
    ]);
  });
});
