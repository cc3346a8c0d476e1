import { sql } from "drizzle-orm";
import { bigint, bigserial, check, doublePrecision, index, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { LATENCY_SIDES } from "../../app/latency/histogram";
import { cohorts } from "./rollout";

export const latencySideEnum = pgEnum("latency_side", LATENCY_SIDES as [string, ...string[]]);

/**
 * The clients' latency histograms (app/latency/histogram.ts), added up per minute, cohort, table, operation and
 * side: reports from any number of application servers merge exactly because every one uses the same buckets.
 */
export const operationLatency = pgTable(
  "operation_latency",
  {
    minute: timestamp("minute", { withTimezone: true }).notNull(),
    // "" = no cohort decided (a primary key column cannot be NULL).
    cohortId: text("cohort_id").notNull().default(""),
    tableName: text("table_name").notNull(),
    operation: text("operation").notNull(),
    side: latencySideEnum("side").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
    errors: bigint("errors", { mode: "number" }).notNull(),
    sumMs: doublePrecision("sum_ms").notNull(),
    /** Counts per bucket of LATENCY_BOUNDS_MS, the overflow last. */
    buckets: bigint("buckets", { mode: "number" }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.minute, t.cohortId, t.tableName, t.operation, t.side] }), index("operation_latency_cohort_idx").on(t.cohortId, t.minute)],
);

/**
 * Every series' histogram since it was first reported, per table, operation and side (all cohorts together),
 * kept up by the same upsert that adds a batch's minutes: /metrics exports it as a Prometheus histogram, whose
 * buckets must only ever grow, so it is not a sum over operation_latency (whose old minutes are pruned). `id`
 * orders series by first report, so the label bound keeps the same series from scrape to scrape.
 */
export const operationLatencyTotals = pgTable(
  "operation_latency_totals",
  {
    id: bigserial("id", { mode: "number" }).notNull().unique(),
    tableName: text("table_name").notNull(),
    operation: text("operation").notNull(),
    side: latencySideEnum("side").notNull(),
    count: bigint("count", { mode: "number" }).notNull(),
    errors: bigint("errors", { mode: "number" }).notNull(),
    sumMs: doublePrecision("sum_ms").notNull(),
    buckets: bigint("buckets", { mode: "number" }).array().notNull(),
  },
  (t) => [primaryKey({ columns: [t.tableName, t.operation, t.side] })],
);

/** The optional latency gate of a cohort: its ramp waits while the target's p99 exceeds `p99Factor` x the source's. */
export const cohortLatencyBudgets = pgTable(
  "cohort_latency_budgets",
  {
    cohortId: uuid("cohort_id")
      .primaryKey()
      .references(() => cohorts.id, { onDelete: "cascade" }),
    p99Factor: doublePrecision("p99_factor").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [check("cohort_latency_budgets_factor", sql`${t.p99Factor} >= 1 and ${t.p99Factor} <= 100`)],
);
