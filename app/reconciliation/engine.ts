import type { MismatchKind } from "../normalization/types";
import { RecheckPipeline, settleInFlight } from "./in-flight";
import type { Bucket, BucketRangeResult, Difference, ReconcileOptions, ReconcileResult, Strategy } from "./types";
import type postgres from "postgres";
import { checksumRange, groupsKeys } from "./checksum-sql";
import { type ReconcileContext, prepareReconciliation } from "./context";
import { type Candidate, type CoveredRow, compareKeysUnderRules, groupedMergeRange, mergeRange } from "./merge";
import { bucketFinder, bucketRuns, chooseStrategy, planBuckets } from "./plan";

/*
 * Orchestration: a run of buckets scanned (checksums, then streaming where they differ), its candidates re-read
 * after the in-flight window, and a whole table compared in one process. The steps live beside it: context.ts,
 * plan.ts, checksum-sql.ts, range-reader.ts, merge.ts.
 */

/** What a first read of a run of buckets found: candidates still to be re-read before they count. */
export interface BucketRangeScan {
  buckets: Bucket[];
  candidates: Candidate[];
  rowsCompared: number;
  bucketsDiffering: number;
  strategy: Strategy;
  /** When the first read ended: the re-read waits for the recheck delay counted from here. */
  scannedAt: number;
}

/**
 * Reads a contiguous run of buckets with the given strategy: checksums first (streaming only the buckets whose
 * count or digest differ), or ordered streaming of the whole run. Returns the keys that differ on this read.
 */
export async function scanBucketRange(ctx: ReconcileContext, buckets: Bucket[], strategy: Strategy): Promise<BucketRangeScan> {
  const candidates: Candidate[] = [];
  let rowsCompared = 0;
  let bucketsDiffering = 0;
  const stream = groupsKeys(ctx) ? groupedMergeRange : mergeRange;
  if (strategy === "checksum") {
    const [a, b] = await Promise.all([checksumRange(ctx, ctx.source, buckets), checksumRange(ctx, ctx.target, buckets)]);
    const differing: Bucket[] = [];
    for (const bucket of buckets) {
      const x = a.get(bucket.index);
      const y = b.get(bucket.index);
      rowsCompared += Math.max(x?.count ?? 0, y?.count ?? 0);
      if ((x?.count ?? 0) !== (y?.count ?? 0) || (x?.digest ?? "") !== (y?.digest ?? "") || ctx.tolerance.size > 0) differing.push(bucket);
    }
    bucketsDiffering = differing.length;
    // neighbouring differing buckets are streamed as one range
    const runs: Bucket[][] = [];
    for (const bucket of differing) {
      const last = runs[runs.length - 1];
      if (last && last[last.length - 1].index === bucket.index - 1) last.push(bucket);
      else runs.push([bucket]);
    }
    for (const run of runs) {
      const merged = await stream(ctx, run[0].lower, run[run.length - 1].upper);
      candidates.push(...merged.candidates);
    }
  } else {
    const merged = await stream(ctx, buckets[0].lower, buckets[buckets.length - 1].upper);
    candidates.push(...merged.candidates);
    rowsCompared = merged.rows;
    const find = bucketFinder(ctx, buckets);
    bucketsDiffering = new Set(candidates.map((c) => find(c.key))).size;
  }
  return { buckets, candidates, rowsCompared, bucketsDiffering, strategy, scannedAt: Date.now() };
}

/**
 * Re-reads a scan's candidates from the recheck delay on, with backoff, until they match or the in-flight window
 * has passed (app/reconciliation/in-flight.ts), so a mirrored write in flight is not reported. Callers scan the
 * next runs meanwhile: the waiting costs no throughput. Rows only a rule makes equal are counted per rule.
 */
export async function recheckBucketRange(ctx: ReconcileContext, scan: BucketRangeScan): Promise<BucketRangeResult> {
  let differences: Difference[] = [];
  const ignored = new Map<string, CoveredRow>();
  const differing = scan.candidates.filter((c) => c.kind !== "covered");
  if (scan.candidates.length) {
    if (differing.length) await ctx.options.onCandidates?.(differing.map((c) => c.key));
    const find = bucketFinder(ctx, scan.buckets);
    const settled = await settleInFlight(
      scan.candidates.map((c) => c.key),
      async (keys) => {
        const found = await compareKeysUnderRules(ctx, keys, find);
        for (const row of found.covered) ignored.set(JSON.stringify(row.key), row);
        return found.differences;
      },
      { firstReadAt: scan.scannedAt, firstDelayMs: ctx.options.recheckDelayMs, windowMs: ctx.options.inFlightWindowMs, signal: ctx.options.signal },
    );
    differences = settled.differing;
    // a row that settled into one only a rule covers was counted above; one that still differs is not ignored
    for (const d of differences) ignored.delete(JSON.stringify(d.key));
  }
  const ignoredRules: Record<string, number> = {};
  for (const row of ignored.values()) for (const id of row.ruleIds) ignoredRules[id] = (ignoredRules[id] ?? 0) + 1;
  return {
    differences,
    rowsCompared: scan.rowsCompared,
    bucketsDone: scan.buckets.length,
    bucketsDiffering: scan.bucketsDiffering,
    clearedOnRecheck: differing.length - differences.length,
    strategy: scan.strategy,
    ignoredByRule: ignored.size,
    ignoredRules,
  };
}

/** A run of buckets scanned, then its candidates re-read after the recheck delay. */
export async function compareBucketRange(ctx: ReconcileContext, buckets: Bucket[], strategy: Strategy): Promise<BucketRangeResult> {
  return recheckBucketRange(ctx, await scanBucketRange(ctx, buckets, strategy));
}

export const emptyCounts = (): Record<MismatchKind, number> => ({ missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 });

/** Compares a whole table (or its scope) in one process: the engine without the job layer. */
export async function reconcileTable(
  source: postgres.Sql,
  target: postgres.Sql,
  options: ReconcileOptions & { onRun?: (r: BucketRangeResult) => void },
): Promise<ReconcileResult> {
  const started = Date.now();
  const { drift, context: ctx } = await prepareReconciliation(source, target, options);
  const result: ReconcileResult = {
    drift,
    compared: false,
    differences: [],
    counts: emptyCounts(),
    rowsCompared: 0,
    bucketCount: 0,
    bucketsDiffering: 0,
    clearedOnRecheck: 0,
    strategies: { checksum: 0, stream: 0 },
    elapsedMs: 0,
  };
  if (!ctx) return { ...result, elapsedMs: Date.now() - started };
  const { buckets } = await planBuckets(ctx);
  result.bucketCount = buckets.length;
  const runs = bucketRuns(buckets, 25);
  const seen = { buckets: 0, differing: 0 };
  let next = 0;
  const ignoredRules: Record<string, number> = {};
  let ignoredByRule = 0;
  const collect = (r: BucketRangeResult) => {
    result.differences.push(...r.differences);
    result.rowsCompared += r.rowsCompared;
    result.bucketsDiffering += r.bucketsDiffering;
    result.clearedOnRecheck += r.clearedOnRecheck;
    ignoredByRule += r.ignoredByRule ?? 0;
    for (const [id, n] of Object.entries(r.ignoredRules ?? {})) ignoredRules[id] = (ignoredRules[id] ?? 0) + n;
    result.strategies[r.strategy]++;
    options.onRun?.(r);
  };
  const worker = async () => {
    // runs' re-reads wait out the in-flight window while the next runs are scanned
    const rechecks = new RecheckPipeline();
    while (next < runs.length) {
      const run = runs[next++];
      const scan = await scanBucketRange(ctx, run, chooseStrategy(ctx, seen));
      seen.buckets += scan.buckets.length;
      seen.differing += scan.bucketsDiffering;
      await rechecks.add(recheckBucketRange(ctx, scan).then(collect));
    }
    await rechecks.drain();
  };
  await Promise.all(Array.from({ length: ctx.options.concurrency }, worker));
  result.ignoredByRule = ignoredByRule;
  result.ignoredRules = ignoredRules;
  result.differences.sort((a, b) => ctx.compareKeys(a.key, b.key));
  for (const d of result.differences) result.counts[d.kind]++;
  result.compared = true;
  result.elapsedMs = Date.now() - started;
  return result;
}
