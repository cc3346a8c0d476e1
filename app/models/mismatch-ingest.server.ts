import type { MismatchBatch } from "../mismatches/contract";
import { encodeRecords } from "../mismatches/copy-codec";
import { prepareBatch, replayedAnswer, storeAnswer, type BatchOptions } from "./mismatch-batch.server";
import { writeRecords } from "./mismatch-records.server";
import { writeLatencies } from "./operation-latency.server";
import { controlSql } from "~/utils/db.server";

export interface IngestOptions extends Omit<BatchOptions, "rules"> {
  /** Set by the reconciliation engine (origin `reconciliation`) to link records to its job. */
  reconciliationJobId?: string | null;
}

export interface IngestResult {
  accepted: number;
  /** New mismatch records. */
  created: number;
  /** Records that repeated a known (table, key, kind, differing fields) and only grew its occurrences. */
  deduplicated: number;
  /** Records every difference of which a normalization rule explains (stored with status `ignored`). */
  ignoredByRules: number;
  comparisons: number;
  /** True when this answer is the stored one of an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

/**
 * Writes a validated batch straight into the records in one transaction (no inbox): the reconciliation engine
 * uses it, since a range's differences must be stored before the range counts as done.
 */
export async function ingestMismatches(batch: MismatchBatch, options: IngestOptions = {}): Promise<IngestResult> {
  const { records, comparisons, ignoredByRules } = await prepareBatch(batch, options, options.reconciliationJobId ?? null);

  return controlSql().begin(async (tx): Promise<IngestResult> => {
    if (options.idempotencyKey) {
      const replayed = await replayedAnswer<IngestResult>(tx, options.idempotencyKey);
      if (replayed) return replayed;
    }
    const { created } = await writeRecords(tx, encodeRecords(records), comparisons);
    await writeLatencies(tx, batch.latencies ?? []);
    const result: IngestResult = {
      accepted: batch.mismatches.length,
      created,
      deduplicated: batch.mismatches.length - created,
      ignoredByRules,
      comparisons: batch.comparisons.length,
      replayed: false,
    };
    if (options.idempotencyKey) await storeAnswer(tx, options.idempotencyKey, result);
    return result;
  });
}
