import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { Bucket, JobScope } from "../../app/reconciliation/types";
import type { SchemaDrift } from "../../app/reconciliation/catalog";
import { cohorts } from "./rollout";

export const RECONCILIATION_STATUSES = ["queued", "running", "succeeded", "failed", "cancelled"] as const;
export const RECONCILIATION_MODES = ["verify", "repair"] as const;
export const reconciliationStatusEnum = pgEnum("reconciliation_status", RECONCILIATION_STATUSES);
export const reconciliationModeEnum = pgEnum("reconciliation_mode", RECONCILIATION_MODES);

/** One reconciliation job: what to compare, who asked and why, and its progress (updated as ranges finish). */
export const reconciliationJobs = pgTable(
  "reconciliation_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    schemaName: text("schema_name").notNull().default("public"),
    tableName: text("table_name").notNull(),
    scope: jsonb("scope").$type<JobScope>().notNull(),
    mode: reconciliationModeEnum("mode").notNull().default("verify"),
    status: reconciliationStatusEnum("status").notNull().default("queued"),
    rowsPerSecond: integer("rows_per_second"),
    concurrency: integer("concurrency").notNull().default(2),
    estimatedRows: bigint("estimated_rows", { mode: "number" }),
    rowsCompared: bigint("rows_compared", { mode: "number" }).notNull().default(0),
    bucketsTotal: integer("buckets_total"),
    bucketsDone: integer("buckets_done").notNull().default(0),
    missingInTarget: integer("missing_in_target").notNull().default(0),
    extraInTarget: integer("extra_in_target").notNull().default(0),
    valueMismatch: integer("value_mismatch").notNull().default(0),
    clearedOnRecheck: integer("cleared_on_recheck").notNull().default(0),
    /** Rows that differ only where an active normalization rule says they are equal: no mismatch. */
    ignoredByRule: integer("ignored_by_rule").notNull().default(0),
    /** The same rows per rule id (a row counts once per rule that covered one of its columns). */
    ignoredRules: jsonb("ignored_rules").$type<Record<string, number>>().notNull().default({}),
    /** Rows missing on the target whose owner is still on source_only and not copied yet: expected, no mismatch. */
    notYetMigrated: integer("not_yet_migrated").notNull().default(0),
    /** The table's owner (user) column when the job started; null = whole-table meaning. */
    ownerColumn: text("owner_column"),
    /** How long a differing row is re-read (with backoff) before it counts: mirrored writes in flight settle. */
    inFlightWindowMs: integer("in_flight_window_ms").notNull().default(5000),
    drift: jsonb("drift").$type<SchemaDrift[]>().notNull().default([]),
    /** Rows per second samples for the rate chart: [{ at: ISO, rowsCompared }]. */
    samples: jsonb("samples").$type<{ at: string; rowsCompared: number }[]>().notNull().default([]),
    error: text("error"),
    /**
     * Since when a database the job needs has been unreachable (it waits, running, to resume from its checkpoint);
     * null again once a range is done.
     */
    interruptedAt: timestamp("interrupted_at", { withTimezone: true }),
    /** The outage as the worker saw it (the error, database URLs redacted), shown while the job waits. */
    interruption: text("interruption"),
    createdBy: text("created_by").notNull(),
    reason: text("reason").notNull().default(""),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
  },
  (t) => [index("reconciliation_jobs_table_idx").on(t.schemaName, t.tableName, t.finishedAt), index("reconciliation_jobs_created_idx").on(t.createdAt)],
);

/**
 * The checkpoint: a job's key space cut into ranges of buckets. Workers claim pending ranges (or ranges whose
 * worker stopped sending heartbeats), so a killed worker's range is simply taken again.
 */
export const reconciliationRanges = pgTable(
  "reconciliation_ranges",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => reconciliationJobs.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    buckets: jsonb("buckets").$type<Bucket[]>().notNull(),
    done: boolean("done").notNull().default(false),
    claimedBy: text("claimed_by"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    rowsCompared: bigint("rows_compared", { mode: "number" }).notNull().default(0),
    differences: integer("differences").notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.index] })],
);

/** Per-table sweeps every N hours (pg-boss cron checks hourly which are due). */
export const reconciliationSchedules = pgTable(
  "reconciliation_schedules",
  {
    schemaName: text("schema_name").notNull().default("public"),
    tableName: text("table_name").notNull(),
    everyHours: integer("every_hours").notNull(),
    enabled: boolean("enabled").notNull().default(true),
    lastQueuedAt: timestamp("last_queued_at", { withTimezone: true }),
    createdBy: text("created_by").notNull(),
  },
  (t) => [primaryKey({ columns: [t.schemaName, t.tableName] })],
);

/**
 * The tables a cohort must have verified clean (a whole-table verify job with no difference) within
 * `maxAgeHours` before it advances: the cohort's freshness gate.
 */
export const cohortVerifiedTables = pgTable(
  "cohort_verified_tables",
  {
    cohortId: uuid("cohort_id")
      .notNull()
      .references(() => cohorts.id, { onDelete: "cascade" }),
    schemaName: text("schema_name").notNull().default("public"),
    tableName: text("table_name").notNull(),
    maxAgeHours: integer("max_age_hours").notNull(),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.schemaName, t.tableName] })],
);

/**
 * Per table, the column holding the id of the user who owns a row (Settings, engineers and admins, audited):
 * reconciliation reads it to know whether a row is expected on the target yet, and puts it on findings.
 */
export const tableOwnerColumns = pgTable(
  "table_owner_columns",
  {
    schemaName: text("schema_name").notNull().default("public"),
    tableName: text("table_name").notNull(),
    columnName: text("column_name").notNull(),
    updatedBy: text("updated_by").notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.schemaName, t.tableName] })],
);
