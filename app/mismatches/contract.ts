/**
 * The mismatch wire contract: what POST /api/v1/mismatches takes (README, "Reporting mismatches"), written once
 * for the server, the application-side client, the database schema's enums and the dashboard. Pure module,
 * relative imports only: it reaches the browser bundle and the client package.
 */
import type { LatencyReport } from "../latency/histogram";
import { latencyReportProblems } from "../latency/validate";
import { primaryKeyProblem, type PrimaryKeyInput } from "../normalization/primary-key";

import { MISMATCH_KINDS, MISMATCH_ORIGINS, type MismatchKind, type MismatchOrigin } from "./kinds";

export {
  MISMATCH_KINDS,
  MISMATCH_ORIGINS,
  MISMATCH_STATUSES,
  type MismatchKind,
  type MismatchOrigin,
  type MismatchStatus,
  type RowMismatchKind,
} from "./kinds";

export const MAX_BATCH_RECORDS = 5_000;
export const MAX_BATCH_COMPARISONS = 5_000;
export const MAX_BATCH_LATENCIES = 5_000;

/** One mismatch as the API and `ingestMismatches` take it (camelCase, documented in the README). */
export interface MismatchInput {
  origin: MismatchOrigin;
  kind: MismatchKind;
  table: string;
  /** A scalar id (`42`, `"a1"`), or an object of scalars for named or composite keys (`{"school_id": 7, "id": 42}`). */
  primaryKey: unknown;
  userId?: string | null;
  cohort?: string | null;
  fingerprint?: string | null;
  sourceValue?: unknown;
  targetValue?: unknown;
  /** ISO timestamp; defaults to the time of ingestion. */
  detectedAt?: string | Date | null;
}

export interface ComparisonInput {
  cohort?: string | null;
  table: string;
  windowStart: string | Date;
  compared: number;
  mismatched: number;
}

export interface MismatchBatch {
  mismatches: MismatchInput[];
  comparisons: ComparisonInput[];
  /** The client's latency histograms per cohort, table, operation, side and minute (app/latency/histogram.ts). */
  latencies?: LatencyReport[];
}

/** One record as the client sends it (every field spelled out). */
export interface MismatchWireRecord {
  origin: MismatchOrigin;
  kind: MismatchKind;
  table: string;
  /** A bare value for a one-column key, or the key's columns; Cutover stores one canonical form of either. */
  primaryKey: PrimaryKeyInput;
  userId: string | null;
  /** The deciding cohort's id, null when no cohort decided the user's mode. */
  cohort: string | null;
  fingerprint: string;
  sourceValue: unknown;
  targetValue: unknown;
  detectedAt: string;
}

/** The JSON body the client sends to POST /api/v1/mismatches. */
export interface MismatchBatchBody {
  mismatches: MismatchWireRecord[];
  comparisons: { cohort: string | null; table: string; windowStart: string; compared: number; mismatched: number }[];
  /** The client's latency histograms (app/latency/histogram.ts), when it has timings to report. */
  latencies?: LatencyReport[];
}

export interface BatchError {
  section: "mismatches" | "comparisons" | "latencies" | "body";
  index: number | null;
  field: string;
  reason: string;
}

// One report's count for one cohort, table and window: far above any real window (a billion reads), far below
// bigint, so a window's running sum stays countable whatever other clients send.
export const MAX_COMPARISON_COUNT = 1_000_000_000;

const ORIGINS = new Set<string>(MISMATCH_ORIGINS);
const KINDS = new Set<string>(MISMATCH_KINDS);
/** The longest table name, user id, cohort id or fingerprint a record may carry. */
export const MAX_TEXT = 512;
// Detection times far in the future would pin a record to the top of every list; allow clock skew only.
const MAX_FUTURE_MS = 24 * 60 * 60 * 1000;

/** Where a check's findings go: the section and index are fixed per entry, so no closure is made per record. */
interface Findings {
  errors: BatchError[];
  section: "mismatches" | "comparisons" | "latencies";
  index: number;
}

function push(at: Findings, field: string, reason: string) {
  at.errors.push({ section: at.section, index: at.index, field, reason });
}

// Earlier detection times are mistakes, and this keeps out years JavaScript writes in forms PostgreSQL refuses (BC).
const MIN_TIME_MS = Date.UTC(2000, 0, 1);
const NUL_REASON = "cannot contain the NUL character (U+0000): PostgreSQL text cannot store it";

function requiredText(value: unknown, field: string, at: Findings) {
  if (typeof value !== "string" || value.length === 0) push(at, field, "is required");
  else textLimits(value, field, at);
}

function optionalText(value: unknown, field: string, at: Findings) {
  if (value === undefined || value === null) return;
  if (typeof value !== "string") push(at, field, "must be a string or null");
  else textLimits(value, field, at);
}

function textLimits(value: string, field: string, at: Findings) {
  if (value.length > MAX_TEXT) push(at, field, `must be at most ${MAX_TEXT} characters`);
  else if (value.includes("\0")) push(at, field, NUL_REASON);
}

/** Whether a JSON value holds a NUL in any string or key (jsonb, which the primary key is stored as, refuses it). */
function hasNul(value: unknown): boolean {
  if (typeof value === "string") return value.includes("\0");
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasNul);
  for (const key in value) if (key.includes("\0") || hasNul((value as Record<string, unknown>)[key])) return true;
  return false;
}

/**
 * Whether a primary key holds a number JSON cannot carry: JSON.parse reads 1e309 as Infinity, which
 * JSON.stringify would then write as null, silently turning the key into another one.
 */
function hasNonFinite(value: unknown): boolean {
  if (typeof value === "number") return !Number.isFinite(value);
  if (typeof value !== "object" || value === null) return false;
  if (Array.isArray(value)) return value.some(hasNonFinite);
  for (const key in value) if (hasNonFinite((value as Record<string, unknown>)[key])) return true;
  return false;
}

/** Whether a row's column names (what differing fields are made of) hold a NUL. */
function hasNulColumn(value: unknown): boolean {
  if (typeof value !== "object" || value === null || Array.isArray(value)) return false;
  for (const key in value) if (key.includes("\0")) return true;
  return false;
}

function timestamp(value: unknown, field: string, now: number, at: Findings) {
  const ms = value instanceof Date ? value.getTime() : typeof value === "string" ? Date.parse(value) : NaN;
  if (!Number.isFinite(ms)) push(at, field, "must be an ISO 8601 timestamp");
  else if (ms > now + MAX_FUTURE_MS) push(at, field, "is more than a day in the future");
  else if (ms < MIN_TIME_MS) push(at, field, "must be after 2000-01-01");
}

function isCount(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= MAX_COMPARISON_COUNT;
}

/**
 * Validates a whole batch and lists every bad record's index, field and reason; nothing is written unless the
 * batch is clean. Hand-written rather than zod: this runs on 5,000 records per request at 50k records/s.
 */
export function validateMismatchBatch(body: unknown, now = Date.now()): { ok: true; batch: MismatchBatch } | { ok: false; errors: BatchError[] } {
  const errors: BatchError[] = [];
  const MAX_ERRORS = 200;
  if (typeof body !== "object" || body === null || Array.isArray(body)) {
    return { ok: false, errors: [{ section: "body", index: null, field: "", reason: "must be an object with mismatches and comparisons" }] };
  }
  const { mismatches = [], comparisons = [], latencies = [] } = body as { mismatches?: unknown; comparisons?: unknown; latencies?: unknown };
  if (!Array.isArray(mismatches)) errors.push({ section: "body", index: null, field: "mismatches", reason: "must be an array" });
  if (!Array.isArray(comparisons)) errors.push({ section: "body", index: null, field: "comparisons", reason: "must be an array" });
  if (!Array.isArray(latencies)) errors.push({ section: "body", index: null, field: "latencies", reason: "must be an array" });
  if (errors.length) return { ok: false, errors };
  const records = mismatches as unknown[];
  const counts = comparisons as unknown[];
  const timings = latencies as unknown[];
  if (timings.length > MAX_BATCH_LATENCIES) {
    errors.push({ section: "body", index: null, field: "latencies", reason: `at most ${MAX_BATCH_LATENCIES} entries per request` });
  }
  if (records.length > MAX_BATCH_RECORDS) {
    errors.push({ section: "body", index: null, field: "mismatches", reason: `at most ${MAX_BATCH_RECORDS} records per request` });
  }
  if (counts.length > MAX_BATCH_COMPARISONS) {
    errors.push({ section: "body", index: null, field: "comparisons", reason: `at most ${MAX_BATCH_COMPARISONS} entries per request` });
  }
  if (errors.length) return { ok: false, errors };

  const at: Findings = { errors, section: "mismatches", index: 0 };
  for (let index = 0; index < records.length && errors.length < MAX_ERRORS; index++) {
    at.index = index;
    const record = records[index];
    if (typeof record !== "object" || record === null || Array.isArray(record)) {
      push(at, "", "must be an object");
      continue;
    }
    checkRecord(record as Record<string, unknown>, now, at);
  }
  at.section = "comparisons";
  for (let index = 0; index < counts.length && errors.length < MAX_ERRORS; index++) {
    at.index = index;
    const entry = counts[index];
    if (typeof entry !== "object" || entry === null || Array.isArray(entry)) {
      push(at, "", "must be an object");
      continue;
    }
    const c = entry as Record<string, unknown>;
    optionalText(c.cohort, "cohort", at);
    requiredText(c.table, "table", at);
    timestamp(c.windowStart, "windowStart", now, at);
    const compared = c.compared;
    const mismatched = c.mismatched;
    if (!isCount(compared)) push(at, "compared", `must be an integer from 0 to ${MAX_COMPARISON_COUNT}`);
    if (!isCount(mismatched)) push(at, "mismatched", `must be an integer from 0 to ${MAX_COMPARISON_COUNT}`);
    else if (typeof compared === "number" && mismatched > compared) push(at, "mismatched", "cannot exceed compared");
  }
  at.section = "latencies";
  for (let index = 0; index < timings.length && errors.length < MAX_ERRORS; index++) {
    at.index = index;
    for (const problem of latencyReportProblems(timings[index])) push(at, problem.field, problem.reason);
    const entry = timings[index] as { windowStart?: unknown } | null;
    if (typeof entry === "object" && entry !== null) timestamp(entry.windowStart, "windowStart", now, at);
  }
  if (errors.length) return { ok: false, errors };
  return {
    ok: true,
    batch: { mismatches: records as MismatchInput[], comparisons: counts as ComparisonInput[], latencies: timings as LatencyReport[] },
  };
}

/** One record's checks, the server's and the client's alike. */
function checkRecord(r: Record<string, unknown>, now: number, at: Findings) {
  if (typeof r.origin !== "string" || !ORIGINS.has(r.origin)) push(at, "origin", `must be one of ${MISMATCH_ORIGINS.join(", ")}`);
  if (typeof r.kind !== "string" || !KINDS.has(r.kind)) push(at, "kind", `must be one of ${MISMATCH_KINDS.join(", ")}`);
  requiredText(r.table, "table", at);
  if (r.primaryKey === undefined || r.primaryKey === null || r.primaryKey === "") push(at, "primaryKey", "is required");
  else if (hasNul(r.primaryKey)) push(at, "primaryKey", NUL_REASON);
  else if (hasNonFinite(r.primaryKey)) push(at, "primaryKey", "holds a number out of range (JSON numbers must be finite)");
  else {
    // One identity per row: only what maps to key columns (canonicalPrimaryKey) is a key.
    const problem = primaryKeyProblem(r.primaryKey);
    if (problem) push(at, "primaryKey", problem);
  }
  if (hasNulColumn(r.sourceValue)) push(at, "sourceValue", `column names ${NUL_REASON}`);
  if (hasNulColumn(r.targetValue)) push(at, "targetValue", `column names ${NUL_REASON}`);
  optionalText(r.userId, "userId", at);
  optionalText(r.cohort, "cohort", at);
  optionalText(r.fingerprint, "fingerprint", at);
  if (r.detectedAt !== undefined && r.detectedAt !== null) timestamp(r.detectedAt, "detectedAt", now, at);
}

/**
 * The first reason the API would refuse one record for (`field reason`), or null: the client stops such a record
 * alone rather than have its whole batch refused.
 */
export function mismatchRecordProblem(record: unknown, now = Date.now()): string | null {
  if (typeof record !== "object" || record === null || Array.isArray(record)) return "must be an object";
  const at: Findings = { errors: [], section: "mismatches", index: 0 };
  checkRecord(record as Record<string, unknown>, now, at);
  if (at.errors.length === 0) return null;
  const { field, reason } = at.errors[0];
  return field ? `${field} ${reason}` : reason;
}
