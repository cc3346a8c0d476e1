import { integer, pgTable, text, timestamp } from "drizzle-orm/pg-core";

export const SIMULATOR_STATUSES = ["running", "paused"] as const;
export type SimulatorStatus = (typeof SIMULATOR_STATUSES)[number];

/**
 * The demo traffic simulator's switch: one row (id 'demo'), read by every simulator process every few seconds,
 * so pausing from the UI takes effect without a restart. No row means running at the default rate.
 */
export const simulatorState = pgTable("simulator_state", {
  id: text("id").primaryKey(),
  status: text("status", { enum: SIMULATOR_STATUSES }).notNull(),
  operationsPerSecond: integer("operations_per_second").notNull(),
  updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  updatedBy: text("updated_by"),
});

/**
 * Per-minute counters of simulated traffic, added to by each simulator process (upsert with increments), so
 * the Overview can show writes mirrored, comparisons and mismatches per minute.
 */
export const simulatorMinutes = pgTable("simulator_minutes", {
  minute: timestamp("minute", { withTimezone: true }).primaryKey(),
  writes: integer("writes").notNull().default(0),
  mirroredWrites: integer("mirrored_writes").notNull().default(0),
  reads: integer("reads").notNull().default(0),
  comparisons: integer("comparisons").notNull().default(0),
  mismatchesFound: integer("mismatches_found").notNull().default(0),
  /** Writes the simulator deliberately let reach one side only (a genuine divergence). */
  divergencesInjected: integer("divergences_injected").notNull().default(0),
  errors: integer("errors").notNull().default(0),
});
