import { XID_STOP_AGE, XID_WARNING_AGE, effectiveFailsafeAge, type FreezeSettings } from "./xid-limits";

/** One reading of the XID counter: pg_snapshot_xmax(pg_current_snapshot()) at a moment. */
export interface XidCounterSample {
  at: number; // epoch ms
  nextXid: number;
}

/** Rates react to a change within about this long; short bursts (a bulk load) do not swing the forecast. */
export const DEFAULT_RATE_TIME_CONSTANT_MS = 15 * 60_000;

/**
 * XIDs per second, smoothed: an exponentially weighted average of the rates between consecutive samples, each
 * weighted by the time it covers, so uneven sampling (a missed cycle) does not skew it. A counter that goes
 * backwards (failover to a server with another history) restarts the average. Null with fewer than 2 samples.
 */
export function smoothedXidRate(samples: readonly XidCounterSample[], timeConstantMs = DEFAULT_RATE_TIME_CONSTANT_MS): number | null {
  const sorted = [...samples].sort((a, b) => a.at - b.at);
  let rate: number | null = null;
  for (let i = 1; i < sorted.length; i++) {
    const dt = sorted[i].at - sorted[i - 1].at;
    const dx = sorted[i].nextXid - sorted[i - 1].nextXid;
    if (dt <= 0) continue;
    if (dx < 0) {
      rate = null;
      continue;
    }
    const step = dx / (dt / 1000);
    const alpha = 1 - Math.exp(-dt / timeConstantMs);
    rate = rate === null ? step : rate + alpha * (step - rate);
  }
  return rate;
}

/** Hours until an age that grows by `ratePerSecond` reaches `limit`: 0 if already there, null if it never will. */
export function hoursUntil(age: number, limit: number | null, ratePerSecond: number | null): number | null {
  if (limit === null) return null;
  if (age >= limit) return 0;
  if (ratePerSecond === null || ratePerSecond <= 0) return null;
  return (limit - age) / ratePerSecond / 3600;
}

export interface XidForecast {
  /** Forced anti-wraparound autovacuum (age > autovacuum_freeze_max_age). */
  hoursToAutovacuum: number | null;
  /** VACUUM's failsafe (vacuum_failsafe_age, PostgreSQL 14+): cost limits dropped, index cleanup skipped. */
  hoursToFailsafe: number | null;
  /** PostgreSQL starts warning on every transaction (40M XIDs before the limit). */
  hoursToWarning: number | null;
  /** PostgreSQL refuses to assign XIDs: writes stop until a manual VACUUM. */
  hoursToStop: number | null;
}

/** All four horizons for one database or table age; every relation's age grows at the cluster's XID rate. */
export function forecastXidAge(age: number, ratePerSecond: number | null, settings: FreezeSettings): XidForecast {
  return {
    hoursToAutovacuum: hoursUntil(age, settings.autovacuumFreezeMaxAge, ratePerSecond),
    hoursToFailsafe: hoursUntil(age, effectiveFailsafeAge(settings), ratePerSecond),
    hoursToWarning: hoursUntil(age, XID_WARNING_AGE, ratePerSecond),
    hoursToStop: hoursUntil(age, XID_STOP_AGE, ratePerSecond),
  };
}

/**
 * "31 h", "4.5 days", "12 min": how long a runway is, in words a person reads at a glance. No hours is "not at
 * the current rate" only when the rate is known (the age is not growing); before two readings it is "unknown".
 */
export function formatRunway(hours: number | null, rateKnown = true): string {
  if (hours === null) return rateKnown ? "not at the current rate" : "unknown";
  if (hours <= 0) return "now";
  if (hours < 1) return `${Math.max(1, Math.round(hours * 60))} min`;
  if (hours < 48) return `${Math.round(hours)} h`;
  const days = hours / 24;
  return `${days < 10 ? days.toFixed(1) : Math.round(days).toLocaleString("en")} days`;
}

/** The plain-words forecast: "at today's rate, annotations reaches the failsafe in 31 h". */
export function describeXidForecast(subject: string, forecast: XidForecast, rateKnown = true): string {
  if (forecast.hoursToStop === 0) return `${subject} has reached the XID stop limit: writes are refused until it is vacuumed`;
  if (forecast.hoursToWarning === 0) return `${subject} is in the wraparound warning zone; PostgreSQL stops writes in ${formatRunway(forecast.hoursToStop)}`;
  if (forecast.hoursToFailsafe === 0) return `${subject} is past the vacuum failsafe age; PostgreSQL stops writes in ${formatRunway(forecast.hoursToStop)}`;
  if (forecast.hoursToFailsafe !== null) return `at today's rate, ${subject} reaches the failsafe in ${formatRunway(forecast.hoursToFailsafe)}`;
  if (forecast.hoursToStop !== null) return `at today's rate, ${subject} reaches the XID stop limit in ${formatRunway(forecast.hoursToStop)}`;
  if (!rateKnown) return `${subject}'s runway is unknown until the XID rate is known (it needs two readings)`;
  return `${subject} is not ageing at the current rate`;
}
