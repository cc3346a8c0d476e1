import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoHealthHistory } from "../../../db/seed/demo-health";
import { runHealthCycle } from "../../../app/jobs/health.server";
import { HEALTH_METRICS } from "../../../app/health/series";
import { loadCapacityView } from "../../../app/models/capacity.server";
import { healthSeries, latestReadings, type SeriesRow } from "../../../app/models/health.server";
import { loadXidView } from "../../../app/models/xid.server";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

const HOUR = 3_600_000;
const DAY = 24 * HOUR;

let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
let seedMs = 0;
let seededAt = 0;

const deps = () => ({ control: control.sql, side: (side: "source" | "target") => (side === "source" ? source.sql : target.sql) });

function bySubject(rows: SeriesRow[]) {
  const map = new Map<string, SeriesRow[]>();
  for (const row of rows) map.set(row.subject, [...(map.get(row.subject) ?? []), row]);
  return map;
}

function expectOrdered(rows: SeriesRow[]) {
  for (const list of bySubject(rows).values()) {
    const times = list.map((r) => r.at.getTime());
    expect(times).toEqual([...times].sort((a, b) => a - b));
  }
}

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("demo_health_ctl"),
    createScratchDatabase("demo_health_src"),
    createScratchDatabase("demo_health_tgt"),
  ]);
  // A disk size for the source, so its capacity runway has something to run toward (as an engineer would set).
  await control.sql`insert into settings (key, value) values ('health.thresholds', ${control.sql.json({ sourceDiskBytes: 2 ** 40 })})`;
  seededAt = Date.now();
  await seedDemoHealthHistory({ controlUrl: control.url, sourceUrl: source.url, targetUrl: target.url });
  seedMs = Date.now() - seededAt;
  // Live collection carries on after the seed: two cycles with XIDs used in between give a live XID rate.
  const start = Date.now();
  await runHealthCycle(start, deps());
  for (let i = 0; i < 30; i++) await source.sql`select pg_current_xact_id()`;
  await runHealthCycle(start + 30_000, deps());
});
afterAll(async () => {
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

describe("demo health history", () => {
  it("is seeded quickly, set-based", () => {
    // About 0.9 s here (including reading both sides); the whole demo seed must keep first start under 30 s.
    expect(seedMs).toBeLessThan(3_000);
  });

  it("draws no XID history: the Wraparound chart holds only what the collector read from the databases", async () => {
    const rows = await control.sql<{ metric: string; subject: string; at: Date; peak: number }[]>`
      select metric, subject, at, peak from health_series
      where side = 'source' and metric in ('xid_age', 'mxid_age', 'next_xid', 'commits_total', 'wal_bytes_total')`;
    // Only the two live cycles wrote them (hourly aggregates are stamped with the hour they started).
    expect(rows.length).toBeGreaterThan(0);
    for (const row of rows) expect(row.at.getTime()).toBeGreaterThanOrEqual(Math.floor(seededAt / HOUR) * HOUR);
    // Each charted age is one the live reading reported, not a drawn 60M-240M sawtooth.
    const view = await loadXidView(control.sql);
    const live = new Map(view.summary!.databases.map((d) => [d.name, d.xidAge]));
    for (const row of rows.filter((r) => r.metric === HEALTH_METRICS.xidAge)) expect(Number(row.peak)).toBeLessThanOrEqual(live.get(row.subject)!);
  });

  it("leaves the latest reading to live collection, with its forecast", async () => {
    const { latest } = await latestReadings("source", control.sql);
    expect(latest?.ok).toBe(true);
    expect(latest!.collectedAt.getTime()).toBeGreaterThanOrEqual(seededAt);
    const newestSeeded = await control.sql<{ at: number }[]>`
      select (extract(epoch from max(at)) * 1000)::float8 as at from health_series
      where resolution = 'raw' and side = 'source' and metric = 'database_bytes' and subject = ${source.name} and at < ${new Date(seededAt + seedMs).toISOString()}::timestamptz`;
    expect(Number(newestSeeded[0].at)).toBeLessThan(latest!.collectedAt.getTime());
    const view = await loadXidView(control.sql);
    expect(view.problem).toBeNull();
    expect(view.xidRate).toBeGreaterThan(0);
    expect(view.summary?.worst?.runwayHours).toBeGreaterThan(0);
  });

  it("gives the Capacity charts a week of steady growth on both sides and a source runway", async () => {
    const now = Date.now();
    const from = new Date(now - 7 * DAY);
    const sourceRows = await healthSeries("source", [HEALTH_METRICS.databaseBytes], from, new Date(now), 300, control.sql);
    const targetRows = await healthSeries("target", [HEALTH_METRICS.databaseBytes], from, new Date(now), 300, control.sql);
    for (const [rows, name] of [
      [sourceRows, source.name],
      [targetRows, target.name],
    ] as const) {
      expectOrdered(rows);
      const series = bySubject(rows).get(name)!;
      expect(series.length).toBeGreaterThan(150);
      expect(series[series.length - 1].at.getTime() - series[0].at.getTime()).toBeGreaterThan(6.5 * DAY);
      expect(series[series.length - 1].value).toBeGreaterThan(series[0].value);
    }
    const sourceView = await loadCapacityView("source", control.sql);
    expect(sourceView.problem).toBeNull();
    expect(sourceView.summary?.databaseDaysToFull).toBeGreaterThan(0);
    const targetView = await loadCapacityView("target", control.sql);
    expect(targetView.problem).toBeNull();
    expect(targetView.capacity?.engine).toBe("postgresql");
  });
});
