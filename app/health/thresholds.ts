import { z } from "zod";
import { DEFAULT_AGE_THRESHOLDS, DEFAULT_FREE_RATIO_THRESHOLDS } from "./status";

/**
 * Everything about database health a user may change, stored as one settings value. One zod schema validates
 * both the stored value (with defaults filled in) and the form on the Wraparound page.
 */
export const healthThresholdsSchema = z
  .object({
    /** XID / multixact age statuses (check_postgres defaults). */
    xidAgeWarning: z.coerce.number().int().min(1_000_000).max(2_100_000_000).default(DEFAULT_AGE_THRESHOLDS.warning),
    xidAgeCritical: z.coerce.number().int().min(1_000_000).max(2_140_000_000).default(DEFAULT_AGE_THRESHOLDS.critical),
    /** Store free-space statuses as available/capacity (CockroachDB guidance). */
    freeRatioWarning: z.coerce.number().min(0).max(1).default(DEFAULT_FREE_RATIO_THRESHOLDS.warning),
    freeRatioCritical: z.coerce.number().min(0).max(1).default(DEFAULT_FREE_RATIO_THRESHOLDS.critical),
    /** Rollout gate: block advances while the source is closer than this to the vacuum failsafe. */
    gateXidFailsafeHours: z.coerce
      .number()
      .min(0)
      .max(24 * 365)
      .default(72),
    /** Rollout gate: block advances while any target store has less free space than this ratio. */
    gateMinFreeRatio: z.coerce.number().min(0).max(1).default(DEFAULT_FREE_RATIO_THRESHOLDS.warning),
    /** Window of the linear fit behind capacity runways. */
    runwayWindowDays: z.coerce.number().int().min(1).max(90).default(7),
    /** Disk (or quota) of the PostgreSQL database, for its capacity runway; PostgreSQL cannot report it itself. */
    sourceDiskBytes: z.coerce.number().int().positive().nullable().default(null),
  })
  .refine((t) => t.xidAgeWarning <= t.xidAgeCritical, { message: "The warning age must not exceed the critical age", path: ["xidAgeWarning"] })
  .refine((t) => t.freeRatioCritical <= t.freeRatioWarning, { message: "The critical ratio must not exceed the warning ratio", path: ["freeRatioCritical"] });

export type HealthThresholds = z.infer<typeof healthThresholdsSchema>;

export const DEFAULT_HEALTH_THRESHOLDS: HealthThresholds = healthThresholdsSchema.parse({});

/** A stored value that no longer validates (an older shape) falls back to the defaults rather than breaking pages. */
export function parseStoredThresholds(value: unknown): HealthThresholds {
  const parsed = healthThresholdsSchema.safeParse(value ?? {});
  return parsed.success ? parsed.data : DEFAULT_HEALTH_THRESHOLDS;
}
