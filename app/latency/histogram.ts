/**
 * The one bucket layout of operation latency, shared by the application-side client (which fills it), the API
 * (which checks what arrives), the store (which adds reports up per minute) and the pages, gate and /metrics
 * (which read percentiles from it). Fixed buckets make histograms from any number of processes add up exactly,
 * at a bounded size per series; a percentile is then known to within its bucket's width.
 */

/** Upper bounds in milliseconds (a value lands in the first bucket whose bound is >= it); one overflow bucket follows. */
export const LATENCY_BOUNDS_MS: readonly number[] = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000];

/** Buckets per histogram: one per bound plus the overflow (+Inf). */
export const LATENCY_BUCKETS = LATENCY_BOUNDS_MS.length + 1;

export type LatencySide = "source" | "target";
export const LATENCY_SIDES: readonly LatencySide[] = ["source", "target"];

/** The bucket a duration falls in: a binary search over 22 bounds, no allocation (it runs on the request path). */
export function latencyBucket(ms: number): number {
  let lo = 0;
  let hi = LATENCY_BOUNDS_MS.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (ms <= LATENCY_BOUNDS_MS[mid]) hi = mid;
    else lo = mid + 1;
  }
  return lo;
}

/** Adds `from` into `into` bucket by bucket (both of the one layout). */
export function addBuckets(into: number[], from: readonly number[]): number[] {
  for (let i = 0; i < LATENCY_BUCKETS; i++) into[i] = (into[i] ?? 0) + (from[i] ?? 0);
  return into;
}

export function emptyBuckets(): number[] {
  return new Array<number>(LATENCY_BUCKETS).fill(0);
}

/**
 * The q-quantile (0..1) of a histogram in ms, interpolated linearly inside its bucket; null when it is empty. A
 * quantile in the overflow bucket is reported as the last bound: "at least 10 s" is all the histogram knows.
 */
export function latencyQuantile(buckets: readonly number[], q: number): number | null {
  let total = 0;
  for (const n of buckets) total += n;
  if (total === 0) return null;
  const rank = q * total;
  let seen = 0;
  for (let i = 0; i < buckets.length; i++) {
    const n = buckets[i];
    if (n === 0) continue;
    if (seen + n >= rank) {
      if (i >= LATENCY_BOUNDS_MS.length) return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
      const lower = i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1];
      const upper = LATENCY_BOUNDS_MS[i];
      return lower + ((upper - lower) * Math.max(0, rank - seen)) / n;
    }
    seen += n;
  }
  return LATENCY_BOUNDS_MS[LATENCY_BOUNDS_MS.length - 1];
}

/** One side's timings for one cohort, table, operation and minute, as the client reports them. */
export interface LatencyReport {
  /** The deciding cohort's id; null when no cohort decided the user's mode. */
  cohort: string | null;
  table: string;
  /** The operation's fingerprint (what the application calls it: "insert annotation", "select by document", ...). */
  operation: string;
  side: LatencySide;
  /** Start of the minute the timings fall in (ISO 8601). */
  windowStart: string;
  /** Calls timed (successful and failed); the buckets add up to it. */
  count: number;
  /** Of those, calls that failed. */
  errors: number;
  /** Sum of the durations in ms (the histogram's mean is sumMs / count). */
  sumMs: number;
  /** LATENCY_BUCKETS counts in LATENCY_BOUNDS_MS order, the overflow last. */
  buckets: number[];
}
