import { bigint, bigserial, boolean, doublePrecision, index, jsonb, pgTable, primaryKey, text, timestamp, uniqueIndex } from "drizzle-orm/pg-core";

export const HEALTH_SIDES = ["source", "target"] as const;
export type HealthSide = (typeof HEALTH_SIDES)[number];

/**
 * One collector cycle per side. `slot` (epoch / cycle length) is unique per side: that, not pg-boss, is what keeps
 * one sample per cycle however many workers run the job. `detail` (blockers, vacuums, nodes...) is kept for the
 * latest hours only; the figures charts need live in health_series.
 */
export const healthReadings = pgTable(
  "health_readings",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    side: text("side").$type<HealthSide>().notNull(),
    slot: bigint("slot", { mode: "number" }).notNull(),
    collectedAt: timestamp("collected_at", { withTimezone: true }).notNull(),
    ok: boolean("ok").notNull(),
    error: text("error"),
    engine: text("engine").$type<"postgresql" | "cockroachdb">(),
    engineVersion: text("engine_version"),
    /** pg_snapshot_xmax(pg_current_snapshot()) on PostgreSQL; the XID rate is derived from consecutive values. */
    nextXid: bigint("next_xid", { mode: "number" }),
    /** Smoothed XIDs per second as of this reading. */
    xidRate: doublePrecision("xid_rate"),
    detail: jsonb("detail"),
  },
  (t) => [uniqueIndex("health_readings_side_slot_idx").on(t.side, t.slot), index("health_readings_side_at_idx").on(t.side, t.collectedAt)],
);

export const HEALTH_RESOLUTIONS = ["raw", "hour"] as const;
export type HealthResolution = (typeof HEALTH_RESOLUTIONS)[number];

/**
 * Time series in long form: one row per (side, metric, subject, moment). Raw rows are kept 48 h; hourly rows
 * (value = average, peak = maximum within the hour) 90 days. Subjects are database names or store ids.
 */
export const healthSeries = pgTable(
  "health_series",
  {
    side: text("side").$type<HealthSide>().notNull(),
    metric: text("metric").notNull(),
    subject: text("subject").notNull().default(""),
    resolution: text("resolution").$type<HealthResolution>().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull(),
    value: doublePrecision("value").notNull(),
    peak: doublePrecision("peak").notNull(),
  },
  (t) => [primaryKey({ columns: [t.resolution, t.side, t.metric, t.subject, t.at] }), index("health_series_at_idx").on(t.resolution, t.at)],
);
