/** Health levels, worst last, so the worst of several is the one with the highest rank. */
export const HEALTH_STATUSES = ["ok", "warning", "critical", "down"] as const;
export type HealthStatus = (typeof HEALTH_STATUSES)[number];

export function worstStatus(statuses: readonly HealthStatus[]): HealthStatus {
  let worst: HealthStatus = "ok";
  for (const status of statuses) if (HEALTH_STATUSES.indexOf(status) > HEALTH_STATUSES.indexOf(worst)) worst = status;
  return worst;
}

/** XID / multixact age thresholds; defaults are check_postgres's txn_wraparound ones. */
export interface AgeThresholds {
  warning: number;
  critical: number;
}
export const DEFAULT_AGE_THRESHOLDS: AgeThresholds = { warning: 1_300_000_000, critical: 1_400_000_000 };

export function ageStatus(age: number, thresholds: AgeThresholds = DEFAULT_AGE_THRESHOLDS): HealthStatus {
  if (age >= thresholds.critical) return "critical";
  if (age >= thresholds.warning) return "warning";
  return "ok";
}

/** Free-space thresholds as available/capacity; defaults follow CockroachDB's guidance (keep 30% free, act at 10%). */
export interface FreeRatioThresholds {
  warning: number;
  critical: number;
}
export const DEFAULT_FREE_RATIO_THRESHOLDS: FreeRatioThresholds = { warning: 0.3, critical: 0.1 };

export function freeRatioStatus(availableRatio: number, thresholds: FreeRatioThresholds = DEFAULT_FREE_RATIO_THRESHOLDS): HealthStatus {
  if (availableRatio < thresholds.critical) return "critical";
  if (availableRatio < thresholds.warning) return "warning";
  return "ok";
}

/** Runway thresholds in hours (time left until a limit); used for both XID and capacity runways. */
export interface RunwayThresholds {
  warningHours: number;
  criticalHours: number;
}

export function runwayStatus(hours: number | null, thresholds: RunwayThresholds): HealthStatus {
  if (hours === null) return "ok";
  if (hours < thresholds.criticalHours) return "critical";
  if (hours < thresholds.warningHours) return "warning";
  return "ok";
}

/** Accepts user-entered thresholds only if they are ordered the way the status functions expect. */
export function validAgeThresholds(t: AgeThresholds): boolean {
  return Number.isFinite(t.warning) && Number.isFinite(t.critical) && 0 < t.warning && t.warning <= t.critical && t.critical < 2 ** 31;
}
export function validFreeRatioThresholds(t: FreeRatioThresholds): boolean {
  return 0 <= t.critical && t.critical <= t.warning && t.warning <= 1;
}
