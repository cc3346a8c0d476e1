import type { CapacitySnapshot, CockroachStore } from "./capacity-snapshot";
import { daysUntilThreshold, linearFit, withinWindow, type SeriesPoint } from "./runway";
import { ageStatus, freeRatioStatus, runwayStatus, worstStatus, type HealthStatus } from "./status";
import type { HealthThresholds } from "./thresholds";
import { describeXidForecast, forecastXidAge, type XidForecast } from "./xid-forecast";
import type { XidSnapshot } from "./xid-snapshot";

/** Runway statuses: under a day is critical, under three days a warning (XID and capacity alike). */
export const RUNWAY_STATUS_HOURS = { warningHours: 72, criticalHours: 24 };

export interface AgeForecastRow {
  name: string;
  xidAge: number;
  mxidAge: number;
  status: HealthStatus;
  forecast: XidForecast;
  /** Hours to the failsafe, or to the stop limit on PostgreSQL 13 (no failsafe): the runway that gates use. */
  runwayHours: number | null;
  sentence: string;
}

function ageRow(name: string, xidAge: number, mxidAge: number, rate: number | null, xid: XidSnapshot, t: HealthThresholds): AgeForecastRow {
  const forecast = forecastXidAge(xidAge, rate, xid.settings);
  const thresholds = { warning: t.xidAgeWarning, critical: t.xidAgeCritical };
  return {
    name,
    xidAge,
    mxidAge,
    status: worstStatus([ageStatus(xidAge, thresholds), ageStatus(mxidAge, thresholds)]),
    forecast,
    runwayHours: xid.settings.vacuumFailsafeAge === null ? forecast.hoursToStop : forecast.hoursToFailsafe,
    sentence: describeXidForecast(name, forecast, rate !== null),
  };
}

export interface XidSummary {
  databases: AgeForecastRow[];
  tables: AgeForecastRow[];
  /** The system catalogs as one row ("212 system catalog tables"), null when the reading has no such count. */
  catalogs: (AgeForecastRow & { count: number }) | null;
  /** The database closest to its runway's end. */
  worst: AgeForecastRow | null;
  status: HealthStatus;
  /** False until the collector has two readings: no runway is "not at the current rate" before then. */
  rateKnown: boolean;
}

export function summarizeXid(xid: XidSnapshot, rate: number | null, thresholds: HealthThresholds): XidSummary {
  const databases = xid.databases.map((d) => ageRow(d.database, d.xidAge, d.mxidAge, rate, xid, thresholds));
  const tables = xid.tables.map((tb) => ageRow(`${tb.schema}.${tb.table}`, tb.xidAge, tb.mxidAge, rate, xid, thresholds));
  const byRunway = [...databases].sort((a, b) => (a.runwayHours ?? Infinity) - (b.runwayHours ?? Infinity) || b.xidAge - a.xidAge);
  const worst = byRunway[0] ?? null;
  const status = worstStatus([...databases.map((d) => d.status), runwayStatus(worst?.runwayHours ?? null, RUNWAY_STATUS_HOURS)]);
  const catalogs = xid.catalogs
    ? { ...ageRow("system catalogs", xid.catalogs.xidAge, xid.catalogs.mxidAge, rate, xid, thresholds), count: xid.catalogs.count }
    : null;
  return { databases, tables, catalogs, worst, status, rateKnown: rate !== null };
}

export interface StoreRunway {
  store: CockroachStore;
  status: HealthStatus;
  /** Days until available/capacity falls below the warning and critical ratios, by the fitted trend. */
  daysToWarning: number | null;
  daysToCritical: number | null;
}

export interface CapacitySummary {
  stores: StoreRunway[];
  /** PostgreSQL: days until the database reaches the configured disk size (null without one). */
  databaseDaysToFull: number | null;
  /** PostgreSQL: the fitted size trend (least squares over the runway window), null until two size readings. */
  databaseGrowth: { bytesPerDay: number; windowHours: number } | null;
  /** The shortest runway, in days, and what it belongs to; `unknown` says what is missing when it cannot be known. */
  worst: { subject: string; days: number | null; unknown: string | null } | null;
  deadNodes: number[];
  status: HealthStatus;
}

export const UNKNOWN_DISK = "unknown until the disk size is set on the Capacity page";
export const UNKNOWN_TREND = "unknown until the collector has two size readings to fit a trend";

/** Runways from growth series: `available` per store id (CockroachDB) or the database size (PostgreSQL). */
export function summarizeCapacity(
  capacity: CapacitySnapshot,
  series: { storeAvailable?: Map<string, SeriesPoint[]>; databaseBytes?: SeriesPoint[] },
  thresholds: HealthThresholds,
): CapacitySummary {
  const windowMs = thresholds.runwayWindowDays * 86_400_000;
  if (capacity.engine === "postgresql") {
    const points = withinWindow(series.databaseBytes ?? [], windowMs);
    const days = thresholds.sourceDiskBytes ? daysUntilThreshold(points, thresholds.sourceDiskBytes, "rising") : null;
    const status = runwayStatus(days === null ? null : days * 24, RUNWAY_STATUS_HOURS);
    // PostgreSQL cannot report its disk: without a size set, "no shortage" would be a guess.
    const unknown = !thresholds.sourceDiskBytes ? UNKNOWN_DISK : days === null && points.length < 2 ? UNKNOWN_TREND : null;
    const fit = linearFit(points);
    const databaseGrowth = fit ? { bytesPerDay: fit.slope * 86_400_000, windowHours: (points[points.length - 1].at - points[0].at) / 3_600_000 } : null;
    return { stores: [], databaseDaysToFull: days, databaseGrowth, worst: { subject: capacity.database, days, unknown }, deadNodes: [], status };
  }
  const ratios = { warning: thresholds.freeRatioWarning, critical: thresholds.freeRatioCritical };
  const stores = capacity.stores.map((store): StoreRunway => {
    const points = withinWindow(series.storeAvailable?.get(String(store.storeId)) ?? [], windowMs);
    return {
      store,
      status: freeRatioStatus(store.availableRatio, ratios),
      daysToWarning: daysUntilThreshold(points, store.capacityBytes * ratios.warning, "falling"),
      daysToCritical: daysUntilThreshold(points, store.capacityBytes * ratios.critical, "falling"),
    };
  });
  const shortest = [...stores].sort((a, b) => (a.daysToWarning ?? Infinity) - (b.daysToWarning ?? Infinity))[0];
  const deadNodes = capacity.nodes.filter((n) => !n.live).map((n) => n.nodeId);
  const status = worstStatus([
    ...stores.map((s) => s.status),
    ...stores.map((s) => runwayStatus(s.daysToWarning === null ? null : s.daysToWarning * 24, RUNWAY_STATUS_HOURS)),
    deadNodes.length > 0 ? "critical" : "ok",
  ]);
  return {
    stores,
    databaseDaysToFull: null,
    databaseGrowth: null,
    worst: shortest
      ? {
          subject: `store ${shortest.store.storeId} (node ${shortest.store.nodeId})`,
          days: shortest.daysToWarning,
          unknown:
            shortest.daysToWarning === null && withinWindow(series.storeAvailable?.get(String(shortest.store.storeId)) ?? [], windowMs).length < 2
              ? UNKNOWN_TREND
              : null,
        }
      : null,
    deadNodes,
    status,
  };
}
