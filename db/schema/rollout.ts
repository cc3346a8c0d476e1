import { sql } from "drizzle-orm";
import { bigint, bigserial, check, doublePrecision, index, integer, jsonb, pgEnum, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { MODES } from "../../app/rollout/modes";
import type { CohortConstraints, Ruleset } from "../../app/rollout/types";

export const rolloutModeEnum = pgEnum("rollout_mode", MODES);

/**
 * The single row holding the ruleset's version counter, default mode and emergency switch. Every change to
 * cohorts, pins or the switch bumps `version` in the same transaction (UPDATE ... RETURNING), which also
 * serialises concurrent changes so versions never collide.
 */
export const rolloutState = pgTable(
  "rollout_state",
  {
    id: integer("id").primaryKey().default(1),
    version: bigint("version", { mode: "number" }).notNull().default(0),
    defaultMode: rolloutModeEnum("default_mode").notNull().default("source_only"),
    emergencyMode: rolloutModeEnum("emergency_mode"),
    emergencyReason: text("emergency_reason"),
    emergencySince: timestamp("emergency_since", { withTimezone: true }),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("rollout_state_single_row", sql`${t.id} = 1`)],
);

export const cohorts = pgTable(
  "cohorts",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    name: text("name").notNull().unique(),
    description: text("description").notNull().default(""),
    priority: integer("priority").notNull(),
    mode: rolloutModeEnum("mode").notNull(),
    percentBasisPoints: integer("percent_basis_points").notNull().default(0),
    salt: text("salt").notNull(),
    constraints: jsonb("constraints").$type<CohortConstraints>().notNull().default({}),
    /** Largest shadow-read mismatch rate (0..1) over the window before advances are blocked; null = no budget. */
    mismatchBudget: doublePrecision("mismatch_budget"),
    budgetWindowMinutes: integer("budget_window_minutes").notNull().default(60),
    rampSteps: integer("ramp_steps").array(),
    rampEveryHours: doublePrecision("ramp_every_hours"),
    /**
     * When the ramp's current interval began: its creation, its last step, or a restart an engineer asked for.
     * Other edits keep it, so fixing a description does not silently push the next step back a whole interval.
     */
    rampClockAt: timestamp("ramp_clock_at", { withTimezone: true }).notNull().defaultNow(),
    /** Optimistic concurrency: an edit names the version it started from; a stale one gets 409. */
    version: integer("version").notNull().default(1),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("cohorts_percent_range", sql`${t.percentBasisPoints} between 0 and 10000`), index("cohorts_priority_idx").on(t.priority)],
);

/** Every change of a cohort with the reason and the field-by-field diff (the cohort page's history). */
export const cohortHistory = pgTable(
  "cohort_history",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    cohortId: uuid("cohort_id").notNull(),
    cohortVersion: integer("cohort_version").notNull(),
    rulesetVersion: bigint("ruleset_version", { mode: "number" }).notNull(),
    action: text("action").notNull(),
    actorLabel: text("actor_label").notNull(),
    reason: text("reason").notNull(),
    diff: jsonb("diff").$type<Record<string, { before: unknown; after: unknown }>>().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("cohort_history_cohort_idx").on(t.cohortId, t.id)],
);

export const pins = pgTable("pins", {
  userId: text("user_id").primaryKey(),
  mode: rolloutModeEnum("mode").notNull(),
  reason: text("reason").notNull(),
  expiresAt: timestamp("expires_at", { withTimezone: true }),
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/** The ruleset as served at each version: the history of any user's mode is re-evaluated from these. */
export const rulesetVersions = pgTable("ruleset_versions", {
  version: bigint("version", { mode: "number" }).primaryKey(),
  ruleset: jsonb("ruleset").$type<Ruleset>().notNull(),
  actorLabel: text("actor_label").notNull(),
  reason: text("reason").notNull(),
  at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
});

/** Automatic ramp steps and why a due step waited (gates), so the page can say why a ramp is not moving. */
export const rampEvents = pgTable(
  "ramp_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    cohortId: uuid("cohort_id").notNull(),
    outcome: text("outcome", { enum: ["stepped", "blocked", "stale"] }).notNull(),
    fromBasisPoints: integer("from_basis_points").notNull(),
    toBasisPoints: integer("to_basis_points").notNull(),
    detail: text("detail").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("ramp_events_cohort_idx").on(t.cohortId, t.id)],
);
