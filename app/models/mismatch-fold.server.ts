import type postgres from "postgres";
import { aggregateComparisons, mergeEncodedBatches, writeRecords, type AggregatedComparison } from "./mismatch-ingest.server";
import { controlSql } from "~/utils/db.server";

/** How many inbox batches one fold claims at most: enough to merge repeats across batches, small enough to commit often. */
export const FOLD_BATCHES = 20;

export interface FoldResult {
  /** Inbox rows folded (0: nothing was waiting, or every waiting row is being folded by someone else). */
  batches: number;
  records: number;
}

export interface FoldOptions {
  maxBatches?: number;
  /** Runs inside the fold's transaction after the records are written and before the inbox rows are deleted (tests). */
  beforeCommit?: (tx: postgres.TransactionSql) => Promise<void>;
}

/**
 * Folds waiting inbox batches into the records in one transaction: claim (FOR UPDATE SKIP LOCKED, so any number
 * of folders share the inbox without taking a batch twice), merge repeats across the batches, write, delete the
 * claimed rows. A folder that fails or dies rolls back: its batches stay in the inbox for the next fold.
 */
export async function foldMismatchInbox(options: FoldOptions = {}): Promise<FoldResult> {
  const limit = options.maxBatches ?? FOLD_BATCHES;
  return controlSql().begin(async (tx): Promise<FoldResult> => {
    const claimed = await tx<{ id: number; records: string; comparisons: string; record_count: number }[]>`
      select id, records, comparisons, record_count from mismatch_inbox order by id limit ${limit} for update skip locked`;
    if (claimed.length === 0) return { batches: 0, records: 0 };
    // Safe without waiting for the WAL flush: a fold lost in a crash loses its inbox deletes with it, so its
    // batches are folded again (the API's staging commit, which acknowledges a batch, stays synchronous).
    await tx`set local synchronous_commit = off`;
    const comparisons: AggregatedComparison[] = [];
    for (const row of claimed) comparisons.push(...(JSON.parse(row.comparisons) as AggregatedComparison[]));
    // Each batch is COPY text ending in a newline, one line per signature; merged, they are one COPY.
    const copyText = mergeEncodedBatches(claimed.map((r) => r.records));
    const { records } = await writeRecords(tx, copyText, aggregateComparisons(comparisons));
    await options.beforeCommit?.(tx);
    await tx`delete from mismatch_inbox where id = any(${claimed.map((r) => r.id)}::bigint[])`;
    return { batches: claimed.length, records };
  });
}

/**
 * Folds until the inbox is empty (as far as this caller can see: batches claimed by other folders are skipped).
 * The worker runs it on every notification; tests call it to make staged batches visible deterministically.
 */
export async function drainMismatchInbox(options: FoldOptions = {}): Promise<FoldResult> {
  const total: FoldResult = { batches: 0, records: 0 };
  for (;;) {
    const folded = await foldMismatchInbox(options);
    if (folded.batches === 0) return total;
    total.batches += folded.batches;
    total.records += folded.records;
  }
}

/** Batches and records accepted but not yet folded (the triage page says when records are still arriving). */
export async function mismatchInboxBacklog(): Promise<{ batches: number; records: number; oldestAt: string | null; oldestAgeSeconds: number }> {
  const [row] = await controlSql()`
    select count(*)::int as batches, coalesce(sum(record_count), 0)::int as records, min(received_at)::text as oldest_at,
      coalesce(extract(epoch from now() - min(received_at)), 0)::float8 as oldest_age
    from mismatch_inbox`;
  return { batches: row.batches, records: row.records, oldestAt: row.oldest_at, oldestAgeSeconds: row.oldest_age };
}
