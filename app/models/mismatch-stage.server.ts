import type { MismatchBatch } from "../mismatches/contract";
import { encodeRecords } from "../mismatches/copy-codec";
import { prepareBatch, replayedAnswer, type BatchOptions } from "./mismatch-batch.server";
import type { IngestResult } from "./mismatch-ingest.server";
import { writeLatencies } from "./operation-latency.server";
import { controlSql } from "~/utils/db.server";

/** The API's answer: the batch is durably staged in the inbox; whether its records are new is known only once folded. */
export type StageResult = Omit<IngestResult, "created" | "deduplicated">;

/** postgres NOTIFY channel: a batch was staged in mismatch_inbox (app/jobs/mismatches.server.ts listens). */
export const MISMATCH_INBOX_CHANNEL = "mismatch_inbox";

/**
 * The API path: computes differing fields, signatures and groups for a validated batch (the shared normalization
 * rules, as of now), then appends it to mismatch_inbox as one row, with its Idempotency-Key, in one transaction.
 * The commit notifies the folders (`foldMismatchInbox`), which merge it into records, groups and counts.
 */
export async function stageMismatches(batch: MismatchBatch, options: BatchOptions = {}): Promise<StageResult> {
  const { records, comparisons, ignoredByRules } = await prepareBatch(batch, options, null);
  const result: StageResult = {
    accepted: batch.mismatches.length,
    ignoredByRules,
    comparisons: batch.comparisons.length,
    replayed: false,
  };
  // Encoded before the transaction: only this one large string, not the batch's objects, waits on the database
  // (several batches wait at once, and every young-generation GC would copy their objects).
  const copyText = encodeRecords(records);
  const recordCount = records.length;
  return controlSql().begin(async (tx): Promise<StageResult> => {
    if (options.idempotencyKey) {
      const replayed = await replayedAnswer<StageResult>(tx, options.idempotencyKey, result);
      if (replayed) return replayed;
    }
    if (recordCount || comparisons.length) {
      await tx`
        with staged as (
          insert into mismatch_inbox (records, comparisons, record_count)
          values (${copyText}, ${JSON.stringify(comparisons)}, ${recordCount}) returning 1
        )
        select pg_notify(${MISMATCH_INBOX_CHANNEL}, '') from staged`;
    }
    // Latencies go straight to their store: a few rows per batch, with nothing to deduplicate or fold.
    await writeLatencies(tx, batch.latencies ?? []);
    return result;
  });
}
