import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, type LatencyReport } from "./histogram";

/** One timing report's count: far above any real minute of one series, far below bigint after any sum. */
export const MAX_LATENCY_COUNT = 1_000_000_000;
const MAX_TEXT = 512;

export interface LatencyProblem {
  field: string;
  reason: string;
}

function text(value: unknown, field: string, required: boolean, problems: LatencyProblem[]) {
  if (value === undefined || value === null) {
    if (required) problems.push({ field, reason: "is required" });
    return;
  }
  if (typeof value !== "string" || (required && value.length === 0)) problems.push({ field, reason: required ? "is required" : "must be a string or null" });
  else if (value.length > MAX_TEXT) problems.push({ field, reason: `must be at most ${MAX_TEXT} characters` });
  else if (value.includes("\0")) problems.push({ field, reason: "cannot contain the NUL character (U+0000): PostgreSQL text cannot store it" });
}

const isCount = (v: unknown): v is number => typeof v === "number" && Number.isInteger(v) && v >= 0 && v <= MAX_LATENCY_COUNT;

/**
 * What is impossible about one latency report (app/latency/histogram.ts): counts that are not counts, buckets
 * that do not add up to the count or are not of the one layout, more errors than calls, a sum of durations the
 * buckets cannot hold. The window's time is checked by the caller with the batch's other timestamps.
 */
export function latencyReportProblems(entry: unknown): LatencyProblem[] {
  const problems: LatencyProblem[] = [];
  if (typeof entry !== "object" || entry === null || Array.isArray(entry)) return [{ field: "", reason: "must be an object" }];
  const r = entry as Partial<Record<keyof LatencyReport, unknown>>;
  text(r.cohort, "cohort", false, problems);
  text(r.table, "table", true, problems);
  text(r.operation, "operation", true, problems);
  if (r.side !== "source" && r.side !== "target") problems.push({ field: "side", reason: "must be source or target" });
  if (!isCount(r.count)) problems.push({ field: "count", reason: `must be an integer from 0 to ${MAX_LATENCY_COUNT}` });
  if (!isCount(r.errors)) problems.push({ field: "errors", reason: `must be an integer from 0 to ${MAX_LATENCY_COUNT}` });
  else if (isCount(r.count) && r.errors > r.count) problems.push({ field: "errors", reason: "cannot exceed count" });
  if (typeof r.sumMs !== "number" || !Number.isFinite(r.sumMs) || r.sumMs < 0)
    problems.push({ field: "sumMs", reason: "must be a finite number of ms, 0 or more" });
  const buckets = r.buckets;
  if (!Array.isArray(buckets) || buckets.length !== LATENCY_BUCKETS) {
    problems.push({ field: "buckets", reason: `must be an array of ${LATENCY_BUCKETS} counts (bounds ${LATENCY_BOUNDS_MS.join(", ")} ms and one overflow)` });
    return problems;
  }
  let total = 0;
  let least = 0;
  let most = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i];
    if (!isCount(n)) {
      problems.push({ field: `buckets[${i}]`, reason: `must be an integer from 0 to ${MAX_LATENCY_COUNT}` });
      return problems;
    }
    total += n;
    least += n * (i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]);
    if (i < LATENCY_BOUNDS_MS.length) most += n * LATENCY_BOUNDS_MS[i];
    else if (n > 0) most = Infinity;
  }
  if (isCount(r.count) && total !== r.count) problems.push({ field: "buckets", reason: `add up to ${total}, but count is ${r.count}` });
  else if (typeof r.sumMs === "number" && Number.isFinite(r.sumMs) && r.sumMs >= 0) {
    // Clients round the sum to a microsecond: allow that much per call either way.
    const slack = 0.001 * total + 1e-6;
    if (r.sumMs < least - slack || r.sumMs > most + slack) {
      problems.push({ field: "sumMs", reason: `${r.sumMs} ms is outside what the buckets allow (${least} to ${most} ms)` });
    }
  }
  return problems;
}
