import type { PreparedRecord } from "./prepared-record";

/** Adds a record to the one with its signature, if any. */
export function mergeRecord(bySignature: Map<string, PreparedRecord>, record: PreparedRecord) {
  const existing = bySignature.get(record.signature);
  if (existing) mergeInto(existing, record);
  else bySignature.set(record.signature, record);
}

/**
 * The one rule for two occurrences of a signature (inside a batch, and across the batches of a fold): occurrences
 * add up, first/last seen widen, the latest values win, and known context is kept from the one merged into.
 */
export function mergeInto(existing: PreparedRecord, record: PreparedRecord): PreparedRecord {
  existing.occurrences += record.occurrences;
  existing.shadowReads += record.shadowReads;
  existing.dualWrites += record.dualWrites;
  existing.reconciliations += record.reconciliations;
  const first = Math.min(existing.firstMs, record.firstMs);
  if (first !== existing.firstMs) {
    existing.firstMs = first;
    existing.firstAt = record.firstAt;
  }
  if (record.lastMs >= existing.lastMs) {
    // The latest occurrence's values are the ones worth showing.
    existing.lastMs = record.lastMs;
    existing.lastAt = record.lastAt;
    existing.sourceValue = record.sourceValue;
    existing.targetValue = record.targetValue;
  }
  existing.userId ??= record.userId;
  existing.cohortId ??= record.cohortId;
  existing.reconciliationJobId ??= record.reconciliationJobId;
  return existing;
}
