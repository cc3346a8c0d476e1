import type postgres from "postgres";
import { mergeEncodedBatches } from "../mismatches/copy-codec";
import { aggregateComparisons, type AggregatedComparison } from "../mismatches/prepare";
import { writeRecords } from "./mismatch-records.server";
import { isBatchFault, setAsideBatch } from "./mismatch-set-aside.server";
import { controlSql } from "~/utils/db.server";

/** How many inbox batches one fold claims at most: enough to merge repeats across batches, small enough to commit often. */
export const FOLD_BATCHES = 20;

export interface FoldResult {
  /** Inbox rows folded (0: nothing was waiting, or every waiting row is being folded by someone else). */
  batches: number;
  records: number;
  /** Inbox rows set aside because folding each alone failed on its own data (mismatch-set-aside.server.ts). */
  setAside: number;
}

export interface FoldOptions {
  maxBatches?: number;
  /** Runs inside the fold's transaction after the records are written and before the inbox rows are deleted (tests). */
  beforeCommit?: (tx: postgres.TransactionSql) => Promise<void>;
  /** How long a COPY may go unanswered before the fold fails (tests shorten it). */
  copyAnswerMs?: number;
}

/**
 * Folds waiting inbox batches into the records in one transaction: claim (FOR UPDATE SKIP LOCKED, so any number
 * of folders share the inbox without taking a batch twice), merge repeats across the batches, write, delete the
 * claimed rows. A folder that fails or dies rolls back: its batches stay in the inbox for the next fold. When the
 * failure came from a batch's data, the claimed batches are folded one at a time instead, and a batch that fails
 * alone is set aside, so it cannot hold back the ones claimed with it fold after fold.
 */
export async function foldMismatchInbox(options: FoldOptions = {}): Promise<FoldResult> {
  const claimed: number[] = [];
  try {
    return await foldClaimed(options, claimed);
  } catch (error) {
    if (!isBatchFault(error) || claimed.length === 0) throw error;
    const result: FoldResult = { batches: 0, records: 0, setAside: 0 };
    if (claimed.length === 1) {
      await setAside(claimed[0], error, result);
      return result;
    }
    for (const id of claimed) {
      try {
        const alone = await foldClaimed({ ...options, only: id }, []);
        result.batches += alone.batches;
        result.records += alone.records;
      } catch (aloneError) {
        if (!isBatchFault(aloneError)) throw aloneError;
        await setAside(id, aloneError, result);
      }
    }
    return result;
  }
}

async function setAside(id: number, error: unknown, result: FoldResult) {
  if (!(await setAsideBatch(id, error))) return;
  result.setAside += 1;
  process.stderr.write(`mismatch batch ${id} set aside, folding it failed: ${(error as Error).message}\n`);
}

/** One fold transaction over the first waiting batches (or the one batch `only`), noting the ids it claimed. */
async function foldClaimed(options: FoldOptions & { only?: number }, claimedIds: number[]): Promise<FoldResult> {
  const limit = options.maxBatches ?? FOLD_BATCHES;
  return controlSql().begin(async (tx): Promise<FoldResult> => {
    const claimed = await tx<{ id: number; records: string; comparisons: string; record_count: number }[]>`
      select id, records, comparisons, record_count from mismatch_inbox
      where ${options.only === undefined ? tx`true` : tx`id = ${options.only}`}
      order by id limit ${limit} for update skip locked`;
    if (claimed.length === 0) return { batches: 0, records: 0, setAside: 0 };
    claimedIds.push(...claimed.map((r) => Number(r.id)));
    // Safe without waiting for the WAL flush: a fold lost in a crash loses its inbox deletes with it, so its
    // batches are folded again (the API's staging commit, which acknowledges a batch, stays synchronous).
    await tx`set local synchronous_commit = off`;
    const comparisons: AggregatedComparison[] = [];
    for (const row of claimed) comparisons.push(...(JSON.parse(row.comparisons) as AggregatedComparison[]));
    // Each batch is COPY text ending in a newline, one line per signature; merged, they are one COPY.
    const copyText = mergeEncodedBatches(claimed.map((r) => r.records));
    const { records } = await writeRecords(tx, copyText, aggregateComparisons(comparisons), { copyAnswerMs: options.copyAnswerMs });
    await options.beforeCommit?.(tx);
    await tx`delete from mismatch_inbox where id = any(${claimed.map((r) => r.id)}::bigint[])`;
    return { batches: claimed.length, records, setAside: 0 };
  });
}

/**
 * Folds until the inbox is empty (as far as this caller can see: batches claimed by other folders are skipped).
 * The worker runs it on every notification; tests call it to make staged batches visible deterministically.
 */
export async function drainMismatchInbox(options: FoldOptions = {}): Promise<FoldResult> {
  const total: FoldResult = { batches: 0, records: 0, setAside: 0 };
  for (;;) {
    const folded = await foldMismatchInbox(options);
    if (folded.batches === 0 && folded.setAside === 0) return total;
    total.batches += folded.batches;
    total.records += folded.records;
    total.setAside += folded.setAside;
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
