import { sql } from "drizzle-orm";
import {
  bigint,
  bigserial,
  check,
  customType,
  doublePrecision,
  index,
  integer,
  json,
  jsonb,
  pgEnum,
  pgTable,
  primaryKey,
  text,
  timestamp,
  unique,
  uuid,
} from "drizzle-orm/pg-core";
import { MISMATCH_KINDS, MISMATCH_ORIGINS, MISMATCH_STATUSES } from "../../app/mismatches/contract";
import { RULE_KINDS } from "../../app/normalization/types";
import { users } from "./auth";

/**
 * Text compared byte by byte (COLLATE "C") rather than by the database's locale: for hashes and identifiers a
 * btree only needs equality and some fixed order, and under a libc locale (C.UTF-8 included) every comparison is a
 * strcoll call (the signature index takes about 18 per new record).
 */
const byteText = customType<{ data: string }>({ dataType: () => 'text collate "C"' });

export const mismatchOriginEnum = pgEnum("mismatch_origin", MISMATCH_ORIGINS);
export const mismatchKindEnum = pgEnum("mismatch_kind", MISMATCH_KINDS);
export const mismatchStatusEnum = pgEnum("mismatch_status", MISMATCH_STATUSES);

/**
 * One row per distinct problem: the same table + key + kind + differing-field signature is one record whose
 * occurrences grow (`signature` is a hash of those), so a hot row mismatching a million times stays one row.
 */
export const mismatches = pgTable(
  "mismatches",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    signature: byteText("signature").notNull(),
    /** Hash of table + kind + differing fields: the mismatch_groups row this record counts in. */
    groupKey: text("group_key").notNull(),
    origin: mismatchOriginEnum("origin").notNull(),
    kind: mismatchKindEnum("kind").notNull(),
    tableName: text("table_name").notNull(),
    primaryKey: jsonb("primary_key").notNull(),
    userId: text("user_id"),
    cohortId: text("cohort_id"),
    fingerprint: text("fingerprint"),
    // json, not jsonb: stored as reported and only read whole, and jsonb's conversion was a fifth of a fold's cost.
    sourceValue: json("source_value"),
    targetValue: json("target_value"),
    differingFields: text("differing_fields")
      .array()
      .notNull()
      .default(sql`'{}'::text[]`),
    status: mismatchStatusEnum("status").notNull().default("open"),
    assigneeId: uuid("assignee_id").references(() => users.id, { onDelete: "set null" }),
    ignoredByRuleId: uuid("ignored_by_rule_id"),
    reconciliationJobId: text("reconciliation_job_id"),
    occurrences: integer("occurrences").notNull().default(1),
    /** Occurrences per origin (they add up to `occurrences`): one row's identity is one record whoever reported it. */
    shadowReadOccurrences: integer("shadow_read_occurrences").notNull().default(0),
    dualWriteOccurrences: integer("dual_write_occurrences").notNull().default(0),
    reconciliationOccurrences: integer("reconciliation_occurrences").notNull().default(0),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, precision: 6 }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, precision: 6 }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    unique("mismatches_signature_key").on(t.signature),
    // Every index is paid on each folded record (and a repeat moves last_seen, so it is never a HOT update): index
    // insertion was half of a fold's PostgreSQL CPU (perf), so only what triage must answer at 1M records from an
    // index is indexed. Keyset pagination: every sort ends in id so equal timestamps still page exactly. Cohort and
    // field filters read the last-seen index with a filter (fast while the value is common among recent records);
    // the GIN on differing_fields cost more per record than all the btrees together (bench:mismatch-ingest,
    // -triage). A first-seen sort without its index took 600 ms.
    index("mismatches_last_seen_idx").on(t.lastSeenAt.desc(), t.id.desc()),
    index("mismatches_table_last_seen_idx").on(t.tableName, t.lastSeenAt.desc(), t.id.desc()),
    index("mismatches_first_seen_idx").on(t.firstSeenAt.desc(), t.id.desc()),
    index("mismatches_user_idx").on(t.userId, t.lastSeenAt.desc()),
    // Partial, so that a new record (open, seen once) enters neither: "open" is most records and reads the
    // last-seen index with a filter; the other statuses, and records seen more than once, read these
    // (app/models/mismatch.server.ts writes the predicates literally so the planner can prove them).
    index("mismatches_triaged_last_seen_idx")
      .on(t.status, t.lastSeenAt.desc(), t.id.desc())
      .where(sql`${t.status} <> 'open'`),
    index("mismatches_repeated_idx")
      .on(t.occurrences.desc(), t.id.desc())
      .where(sql`${t.occurrences} > 1`),
    // The occurrences sort reads the repeated records from their index and then the rest in id order: that is only
    // the whole table when no record has fewer than one occurrence.
    check("mismatches_occurrences_positive", sql`${t.occurrences} >= 1`),
  ],
);

/**
 * The grouped view's rows (table + kind + differing-field signature), maintained at ingestion so the top
 * offenders are one indexed read instead of a GROUP BY over a million records.
 */
export const mismatchGroups = pgTable(
  "mismatch_groups",
  {
    // A hash rather than a serial: ingestion computes it without a round-trip, so groups are written last in the
    // transaction and their hot rows stay locked only briefly.
    key: text("key").primaryKey(),
    tableName: text("table_name").notNull(),
    kind: mismatchKindEnum("kind").notNull(),
    differingFields: text("differing_fields").array().notNull(),
    records: integer("records").notNull().default(0),
    occurrences: bigint("occurrences", { mode: "number" }).notNull().default(0),
    firstSeenAt: timestamp("first_seen_at", { withTimezone: true, precision: 6 }).notNull(),
    lastSeenAt: timestamp("last_seen_at", { withTimezone: true, precision: 6 }).notNull(),
  },
  (t) => [index("mismatch_groups_table_idx").on(t.tableName), index("mismatch_groups_occurrences_idx").on(t.occurrences.desc())],
);

/** Occurrences per hour, per group, origin and cohort: the sparklines and the per-hour chart read this. */
export const mismatchHourly = pgTable(
  "mismatch_hourly",
  {
    hour: timestamp("hour", { withTimezone: true }).notNull(),
    groupKey: text("group_key").notNull(),
    origin: mismatchOriginEnum("origin").notNull(),
    cohortId: text("cohort_id").notNull().default(""),
    occurrences: bigint("occurrences", { mode: "number" }).notNull().default(0),
  },
  (t) => [
    primaryKey({ columns: [t.hour, t.groupKey, t.origin, t.cohortId] }),
    // occurrences too, so the sparklines are an index-only scan (drizzle has no INCLUDE).
    index("mismatch_hourly_group_idx").on(t.groupKey, t.hour, t.occurrences),
    // ... and the per-hour chart one (48 hours were 20k heap rows, 30 ms, at 1M records).
    index("mismatch_hourly_hour_idx").on(t.hour, t.origin, t.occurrences),
  ],
);

/** Comparison counts per cohort, table and time window, so a mismatch rate exists and not only a count. */
export const mismatchComparisons = pgTable(
  "mismatch_comparisons",
  {
    // "" = no cohort decided (a primary key column cannot be NULL).
    cohortId: text("cohort_id").notNull().default(""),
    tableName: text("table_name").notNull(),
    windowStart: timestamp("window_start", { withTimezone: true }).notNull(),
    compared: bigint("compared", { mode: "number" }).notNull().default(0),
    mismatched: bigint("mismatched", { mode: "number" }).notNull().default(0),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.tableName, t.windowStart] }), index("mismatch_comparisons_window_idx").on(t.windowStart, t.cohortId)],
);

export const mismatchNotes = pgTable(
  "mismatch_notes",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    mismatchId: bigint("mismatch_id", { mode: "number" })
      .notNull()
      .references(() => mismatches.id, { onDelete: "cascade" }),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    authorLabel: text("author_label").notNull(),
    body: text("body").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("mismatch_notes_mismatch_idx").on(t.mismatchId, t.createdAt)],
);

/**
 * Accepted API batches waiting to be folded into mismatches, groups, hourly and comparison counts: one row per
 * batch (prepared records as COPY text, see app/mismatches/copy-codec.ts) and no index but the key, so
 * accepting a batch is one cheap durable write. `records` is lz4-compressed where the server has lz4 and stored
 * uncompressed where it has only pglz (migration 0002: drizzle has no word for either). Folders claim rows with FOR UPDATE SKIP LOCKED and delete them in
 * the transaction that folds them.
 */
export const mismatchInbox = pgTable("mismatch_inbox", {
  id: bigserial("id", { mode: "number" }).primaryKey(),
  records: text("records").notNull(),
  comparisons: text("comparisons").notNull(),
  recordCount: integer("record_count").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Inbox batches set aside because folding them alone failed on their own data (a constraint, a value PostgreSQL
 * refuses): kept whole, with the error, so the batches queued behind them keep flowing and nothing is lost. The
 * triage page lists them; an engineer puts one back in the inbox once the cause is fixed, an admin may discard it.
 */
export const mismatchInboxSetAside = pgTable("mismatch_inbox_set_aside", {
  /** The inbox id it had, so a batch put back keeps its place in the order. */
  id: bigint("id", { mode: "number" }).primaryKey(),
  records: text("records").notNull(),
  comparisons: text("comparisons").notNull(),
  recordCount: integer("record_count").notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
  setAsideAt: timestamp("set_aside_at", { withTimezone: true }).notNull().defaultNow(),
  error: text("error").notNull(),
});

/** A retried batch with the same Idempotency-Key returns the stored answer and writes nothing. */
export const mismatchIngestKeys = pgTable("mismatch_ingest_keys", {
  key: text("key").primaryKey(),
  response: jsonb("response").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const normalizationRuleKindEnum = pgEnum("normalization_rule_kind", RULE_KINDS);

/** Known engine differences that are not bugs; applied at ingestion, by reconciliation and by the client. */
export const normalizationRules = pgTable(
  "normalization_rules",
  {
    id: uuid("id").primaryKey().defaultRandom(),
    kind: normalizationRuleKindEnum("kind").notNull(),
    tableName: text("table_name").notNull(),
    columnName: text("column_name").notNull(),
    digits: integer("digits"),
    tolerance: doublePrecision("tolerance"),
    authorId: uuid("author_id").references(() => users.id, { onDelete: "set null" }),
    authorLabel: text("author_label").notNull(),
    reason: text("reason").notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    deletedAt: timestamp("deleted_at", { withTimezone: true }),
  },
  (t) => [index("normalization_rules_scope_idx").on(t.tableName, t.columnName)],
);

export type Mismatch = typeof mismatches.$inferSelect;
export type NormalizationRuleRow = typeof normalizationRules.$inferSelect;
