import type postgres from "postgres";
import { summarizeXid, type XidSummary } from "~/health/summary";
import type { HealthThresholds } from "~/health/thresholds";
import type { XidSnapshot } from "~/health/xid-snapshot";
import { getHealthThresholds, latestReadings, type StoredReading } from "~/models/health.server";
import { controlSql } from "~/utils/db.server";

/** A reading older than this no longer describes the source: gates refuse to pass on it. */
export const STALE_READING_MS = 5 * 60_000;

export interface XidView {
  thresholds: HealthThresholds;
  latest: StoredReading | null;
  /** The reading the figures come from: the latest, or the last good one while the source is down. */
  asOf: Date | null;
  xid: XidSnapshot | null;
  xidRate: number | null;
  summary: XidSummary | null;
  stale: boolean;
  /** Why there are no (fresh) figures: down, not PostgreSQL, or not collected yet. */
  problem: string | null;
}

export async function loadXidView(sql: postgres.Sql = controlSql(), now = Date.now()): Promise<XidView> {
  const [thresholds, { latest, lastGood }] = await Promise.all([getHealthThresholds(sql), latestReadings("source", sql)]);
  const good = lastGood?.reading?.ok ? lastGood : null;
  const xid = good?.reading?.ok ? good.reading.xid : null;
  const summary = xid ? summarizeXid(xid, good!.xidRate, thresholds) : null;
  const stale = !latest || now - latest.collectedAt.getTime() > STALE_READING_MS;
  let problem: string | null = null;
  if (!latest) problem = "No reading of the source yet: the health collector runs every 30 s in the worker.";
  else if (!latest.ok) problem = `The source did not answer the monitoring queries: ${latest.error ?? "unknown error"}`;
  else if (latest.reading?.ok && latest.reading.engine.engine !== "postgresql") problem = "The source is not PostgreSQL: it has no XID wraparound.";
  else if (stale) problem = `The latest reading is from ${latest.collectedAt.toISOString()}: is the worker running?`;
  return { thresholds, latest, asOf: good?.collectedAt ?? null, xid, xidRate: good?.xidRate ?? null, summary, stale, problem };
}
