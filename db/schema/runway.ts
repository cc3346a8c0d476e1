import { jsonb, pgTable, text, timestamp, uuid } from "drizzle-orm/pg-core";

/**
 * A what-if of the runway planner saved for discussion: cohort dates and ramps an engineer or the CTO tried, with
 * the projection they gave. Never applied to the rollout (that goes through the cohort pages and their gates).
 */
export const runwayProposals = pgTable("runway_proposals", {
  id: uuid("id").primaryKey().defaultRandom(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  createdBy: text("created_by").notNull(),
  reason: text("reason").notNull(),
  plan: jsonb("plan").notNull(),
  projection: jsonb("projection").notNull(),
});
