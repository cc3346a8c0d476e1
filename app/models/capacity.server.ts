import type postgres from "postgres";
import type { HealthSide } from "../../db/schema";
import { counterRate, type CapacitySnapshot } from "~/health/capacity-snapshot";
import type { SeriesPoint } from "~/health/runway";
import { HEALTH_METRICS } from "~/health/series";
import { summarizeCapacity, type CapacitySummary } from "~/health/summary";
import type { HealthThresholds } from "~/health/thresholds";
import { getHealthThresholds, healthSeries, latestReadings, type StoredReading } from "~/models/health.server";
import { STALE_READING_MS } from "~/models/xid.server";
import { controlSql } from "~/utils/db.server";

export interface CapacityView {
  side: HealthSide;
  thresholds: HealthThresholds;
  latest: StoredReading | null;
  asOf: Date | null;
  capacity: CapacitySnapshot | null;
  summary: CapacitySummary | null;
  stale: boolean;
  problem: string | null;
  /** PostgreSQL: commits and WAL bytes per second over the last minutes, from the stored counters. */
  commitsPerSecond: number | null;
  walBytesPerSecond: number | null;
}

async function recentRates(side: HealthSide, now: number, sql: postgres.Sql) {
  const rows = await healthSeries(side, [HEALTH_METRICS.commits, HEALTH_METRICS.walBytes], new Date(now - 10 * 60_000), new Date(now), 20, sql);
  const rate = (metric: string) => {
    const points = rows.filter((r) => r.metric === metric);
    if (points.length < 2) return null;
    const first = points[0];
    const last = points[points.length - 1];
    return counterRate({ at: first.at.getTime(), value: first.value }, { at: last.at.getTime(), value: last.value });
  };
  return { commitsPerSecond: rate(HEALTH_METRICS.commits), walBytesPerSecond: rate(HEALTH_METRICS.walBytes) };
}

/** The latest capacity of one side with runways fitted over the configured window (hourly rows: cheap at 90 days). */
export async function loadCapacityView(side: HealthSide, sql: postgres.Sql = controlSql(), now = Date.now()): Promise<CapacityView> {
  const [thresholds, { latest, lastGood }] = await Promise.all([getHealthThresholds(sql), latestReadings(side, sql)]);
  const good = lastGood?.reading?.ok ? lastGood : null;
  let capacity = good?.reading?.ok ? good.reading.capacity : null;
  let summary: CapacitySummary | null = null;
  if (capacity) {
    const from = new Date(now - thresholds.runwayWindowDays * 86_400_000);
    const metric = capacity.engine === "postgresql" ? HEALTH_METRICS.databaseBytes : HEALTH_METRICS.storeAvailable;
    const rows = await healthSeries(side, [metric], from, new Date(now), 24 * thresholds.runwayWindowDays, sql);
    const bySubject = new Map<string, SeriesPoint[]>();
    for (const row of rows) {
      const list = bySubject.get(row.subject) ?? [];
      list.push({ at: row.at.getTime(), value: row.value });
      bySubject.set(row.subject, list);
    }
    if (capacity.engine === "postgresql" && capacity.databaseBytes === null) {
      // Sizes are read every 10th cycle: show the last sizes known rather than none.
      const last = bySubject.get(capacity.database)?.at(-1);
      const tableRows = await healthSeries(side, [HEALTH_METRICS.tableBytes], new Date(now - 3_600_000), new Date(now), 12, sql);
      const latestTable = new Map<string, number>();
      for (const row of tableRows) latestTable.set(row.subject, row.value);
      const tables = [...latestTable]
        .sort((a, b) => b[1] - a[1])
        .map(([name, totalBytes]) => {
          const dot = name.indexOf(".");
          return { schema: name.slice(0, dot), table: name.slice(dot + 1), totalBytes };
        });
      capacity = { ...capacity, databaseBytes: last?.value ?? null, tables };
    }
    summary = summarizeCapacity(
      capacity,
      capacity.engine === "postgresql" ? { databaseBytes: bySubject.get(capacity.database) ?? [] } : { storeAvailable: bySubject },
      thresholds,
    );
  }
  const stale = !latest || now - latest.collectedAt.getTime() > STALE_READING_MS;
  let problem: string | null = null;
  if (!latest) problem = `No reading of the ${side} yet: the health collector runs every 30 s in the worker.`;
  else if (!latest.ok) problem = `The ${side} did not answer the monitoring queries: ${latest.error ?? "unknown error"}`;
  else if (stale) problem = `The latest reading is from ${latest.collectedAt.toISOString()}: is the worker running?`;
  const rates = capacity?.engine === "postgresql" ? await recentRates(side, now, sql) : { commitsPerSecond: null, walBytesPerSecond: null };
  return { side, thresholds, latest, asOf: good?.collectedAt ?? null, capacity, summary, stale, problem, ...rates };
}
