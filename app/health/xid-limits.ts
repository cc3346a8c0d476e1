/**
 * PostgreSQL's XID wraparound limits (src/backend/access/transam/varsup.c, PostgreSQL 14+): the wrap limit lies
 * 2^31-1 XIDs past the oldest datfrozenxid; warnings start 40M before it and new XIDs are refused 3M before it.
 */
export const XID_WRAP_LIMIT = 2 ** 31 - 1;
export const XID_WARNING_AGE = XID_WRAP_LIMIT - 40_000_000;
export const XID_STOP_AGE = XID_WRAP_LIMIT - 3_000_000;

/** The settings that decide when PostgreSQL freezes on its own; null where the server predates them (13). */
export interface FreezeSettings {
  autovacuumFreezeMaxAge: number;
  autovacuumMultixactFreezeMaxAge: number;
  vacuumFailsafeAge: number | null;
  vacuumMultixactFailsafeAge: number | null;
}

export const DEFAULT_FREEZE_SETTINGS: FreezeSettings = {
  autovacuumFreezeMaxAge: 200_000_000,
  autovacuumMultixactFreezeMaxAge: 400_000_000,
  vacuumFailsafeAge: 1_600_000_000,
  vacuumMultixactFailsafeAge: 1_600_000_000,
};

/** The age at which VACUUM's failsafe really triggers: PostgreSQL raises it to 105% of the freeze max age. */
export function effectiveFailsafeAge(settings: FreezeSettings): number | null {
  if (settings.vacuumFailsafeAge === null) return null;
  return Math.max(settings.vacuumFailsafeAge, Math.floor(settings.autovacuumFreezeMaxAge * 1.05));
}
