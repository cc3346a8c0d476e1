import type { ColumnRules, MismatchKind } from "../normalization/types";
import type { SchemaDrift } from "./catalog";
import type { KeyTuple } from "./keys";

export type { KeyTuple } from "./keys";
export type DifferenceKind = MismatchKind;

/** Which rows of the table a job compares. Column names are checked against the catalog before use. */
export type ReconciliationScope =
  | { kind: "table" }
  /** Primary-key range, both ends inclusive, as key text tuples. */
  | { kind: "range"; from?: KeyTuple; to?: KeyTuple }
  /** Rows whose user column holds one of these ids (a cohort resolved to its user ids). */
  | { kind: "users"; column: string; ids: string[] };

/**
 * What a job row stores: an engine scope, or a cohort's rows through the table's user column. A cohort is
 * resolved to its users once, by the first worker (app/models/reconciliation-cohort.server.ts), and `members`
 * keeps them, so every worker and every resumed run compares the same rows.
 */
export type JobScope = ReconciliationScope | CohortScope;

export interface CohortScope {
  kind: "cohort";
  cohortId: string;
  /** The table's column holding the user id. */
  column: string;
  /** While a worker resolves the cohort: its last report (the control DB's clock) and the users read so far. */
  resolvingAt?: string;
  usersRead?: number;
  members?: CohortMembers;
}

export interface CohortMembers {
  cohortName: string;
  /** The ruleset version the users were evaluated under. */
  rulesetVersion: number;
  /** Users of the source that were evaluated. */
  usersRead: number;
  /** Those the cohort decides (pins and the emergency switch aside). */
  ids: string[];
}

/** One key range [lower, upper) of the split key space; null = unbounded. */
export interface Bucket {
  index: number;
  lower: KeyTuple | null;
  upper: KeyTuple | null;
}

/** A row found different (after the re-read), with the canonical values that were compared. */
export interface Difference {
  key: KeyTuple;
  /** Key as an object { column: text }. */
  keyObject: Record<string, string>;
  kind: DifferenceKind;
  /** Columns that differ (value_mismatch only), sorted. */
  columns: string[];
  /** Canonical texts of the compared columns on each side (null side = row absent). */
  source: Record<string, string | null> | null;
  target: Record<string, string | null> | null;
  bucket: number;
  /** The owner column's value (the row's user) when the table has one: source row first. */
  userId?: string | null;
}

export type Strategy = "checksum" | "stream";

export interface ReconcileOptions {
  schema?: string;
  table: string;
  scope?: ReconciliationScope;
  /** Rules in force per column; default: none. */
  rulesFor?: (column: string) => ColumnRules;
  bucketCount?: number;
  batchSize?: number;
  /** Cap on rows read per second (per side), across all concurrent work of this run. */
  rowsPerSecond?: number | null;
  concurrency?: number;
  /** Delay before a differing row is first re-read (in-flight dual writes settle meanwhile). */
  recheckDelayMs?: number;
  /** How long, from the first read, a differing row is re-read with backoff before it counts (default 5 s). */
  inFlightWindowMs?: number;
  /** The table's owner (user id) column: read with every differing row and put on its finding. */
  ownerColumn?: string | null;
  statementTimeoutMs?: number;
  /** "auto" starts with checksums and switches to streaming when differences turn out dense. */
  strategy?: "auto" | Strategy;
  /** Fraction of differing buckets above which "auto" streams instead of checksumming. */
  denseThreshold?: number;
  signal?: AbortSignal;
  /** Called with the keys found different on first read, before the delayed re-read. */
  onCandidates?: (keys: KeyTuple[]) => Promise<void> | void;
}

export interface BucketRangeResult {
  differences: Difference[];
  rowsCompared: number;
  bucketsDone: number;
  bucketsDiffering: number;
  /** Rows that differed on first read but matched on the re-read. */
  clearedOnRecheck: number;
  strategy: Strategy;
  /** Rows equal only under an active rule: never differences. */
  ignoredByRule?: number;
  /** The same rows per rule id. */
  ignoredRules?: Record<string, number>;
}

export interface ReconcileResult {
  drift: SchemaDrift[];
  /** False when blocking drift prevented the comparison. */
  compared: boolean;
  differences: Difference[];
  counts: Record<DifferenceKind, number>;
  rowsCompared: number;
  bucketCount: number;
  bucketsDiffering: number;
  clearedOnRecheck: number;
  /** Rows equal only under an active rule, in all and per rule id. */
  ignoredByRule?: number;
  ignoredRules?: Record<string, number>;
  strategies: Record<Strategy, number>;
  elapsedMs: number;
}
