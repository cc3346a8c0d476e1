import { bigint, boolean, index, integer, jsonb, pgEnum, pgTable, primaryKey, serial, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { KeyTuple } from "../../app/reconciliation/keys";
import type { Actor } from "../../app/audit/actor";
import type { BackfillRound, BackfillScope } from "../../app/backfill/types";
import { cohorts } from "./rollout";

export const BACKFILL_STATUSES = ["queued", "copying", "converging", "converged", "not_converged", "failed", "cancelled"] as const;
export const backfillStatusEnum = pgEnum("backfill_status", BACKFILL_STATUSES);

/** One backfill: copy a scope of a table's rows from the source to the target, then converge it (verify + repair rounds). */
export const backfillJobs = pgTable(
  "backfill_jobs",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    schemaName: text("schema_name").notNull().default("public"),
    tableName: text("table_name").notNull(),
    scope: jsonb("scope").$type<BackfillScope>().notNull(),
    /** A cohort scope's cohort, kept apart so the cohort page and the gate find its jobs by index. */
    cohortId: uuid("cohort_id").references(() => cohorts.id, { onDelete: "set null" }),
    status: backfillStatusEnum("status").notNull().default("queued"),
    rowsPerSecond: integer("rows_per_second"),
    batchRows: integer("batch_rows").notNull(),
    batchBytes: integer("batch_bytes").notNull(),
    workers: integer("workers").notNull().default(1),
    maxRounds: integer("max_rounds").notNull().default(3),
    estimatedRows: bigint("estimated_rows", { mode: "number" }),
    rowsCopied: bigint("rows_copied", { mode: "number" }).notNull().default(0),
    rowsSkippedExisting: bigint("rows_skipped_existing", { mode: "number" }).notNull().default(0),
    rowsSetAside: integer("rows_set_aside").notNull().default(0),
    rangesTotal: integer("ranges_total"),
    rangesDone: integer("ranges_done").notNull().default(0),
    /** One entry per converge round: its verify job, what it found and what the repair did. */
    rounds: jsonb("rounds").$type<BackfillRound[]>().notNull().default([]),
    /** Differences left after the last round (0 once converged). */
    remaining: integer("remaining"),
    samples: jsonb("samples").$type<{ at: string; rows: number }[]>().notNull().default([]),
    /** The worker running the converge phase, and its last heartbeat (a stale one is taken over). */
    convergeHeartbeatAt: timestamp("converge_heartbeat_at", { withTimezone: true }),
    /**
     * The verify of the converge round in flight (null between rounds): a runner that takes the converge phase over
     * goes on with it, or reads its result, instead of starting a second verify of the same rows.
     */
    convergeVerifyId: uuid("converge_verify_id"),
    error: text("error"),
    /** Since when a database the job needs has been unreachable (it waits, under way); null again at its next progress. */
    interruptedAt: timestamp("interrupted_at", { withTimezone: true }),
    /** The outage as the worker saw it (the error, database URLs redacted), shown while the job waits. */
    interruption: text("interruption"),
    actor: jsonb("actor").$type<Actor>().notNull(),
    reason: text("reason").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp("started_at", { withTimezone: true }),
    copiedAt: timestamp("copied_at", { withTimezone: true }),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
    cancelRequestedAt: timestamp("cancel_requested_at", { withTimezone: true }),
  },
  (t) => [index("backfill_jobs_created_idx").on(t.createdAt), index("backfill_jobs_cohort_idx").on(t.cohortId, t.schemaName, t.tableName, t.createdAt)],
);

/**
 * The checkpoint: the job's key space cut into ranges [lower, upper). `cursor` is the last key written to the
 * target, so a range taken over after a crash goes on after it (ON CONFLICT DO NOTHING absorbs the one batch a
 * crash may have written without recording it).
 */
export const backfillRanges = pgTable(
  "backfill_ranges",
  {
    jobId: uuid("job_id")
      .notNull()
      .references(() => backfillJobs.id, { onDelete: "cascade" }),
    index: integer("index").notNull(),
    lower: jsonb("lower").$type<KeyTuple | null>(),
    upper: jsonb("upper").$type<KeyTuple | null>(),
    cursor: jsonb("cursor").$type<KeyTuple | null>(),
    done: boolean("done").notNull().default(false),
    claimedBy: text("claimed_by"),
    heartbeatAt: timestamp("heartbeat_at", { withTimezone: true }),
    /** How many times a worker claimed it: 1 for a range nobody had to take over. */
    claims: integer("claims").notNull().default(0),
    rowsCopied: bigint("rows_copied", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.jobId, t.index] })],
);

/** Rows the target refused (a constraint, a type), kept with the target's error while the job went on. */
export const backfillSetAside = pgTable(
  "backfill_set_aside",
  {
    id: serial("id").primaryKey(),
    jobId: uuid("job_id")
      .notNull()
      .references(() => backfillJobs.id, { onDelete: "cascade" }),
    primaryKey: jsonb("primary_key").$type<Record<string, string>>().notNull(),
    row: jsonb("row").$type<Record<string, string | null>>().notNull(),
    sqlstate: text("sqlstate"),
    error: text("error").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("backfill_set_aside_job_idx").on(t.jobId, t.id)],
);

/** An admin's override of the `backfilled` gate for one cohort, with the reason (also in the audit log). */
export const backfillGateOverrides = pgTable("backfill_gate_overrides", {
  cohortId: uuid("cohort_id")
    .primaryKey()
    .references(() => cohorts.id, { onDelete: "cascade" }),
  reason: text("reason").notNull(),
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});
