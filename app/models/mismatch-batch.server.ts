import type postgres from "postgres";
import { createRuleResolver, type NormalizationRule } from "../normalization";
import type { MismatchBatch } from "../mismatches/contract";
import { aggregateComparisons, countIgnored, prepareRecords, tablesOf } from "../mismatches/prepare";
import { keyShapesOf } from "./primary-key-shape.server";
import { listActiveRules } from "./normalization-rule.server";
import { loadSensitiveMask } from "./sensitive-mask.server";
import type { SensitiveMask } from "../sensitive/sensitive-values";

// A batch on its way in, by either path (staged in the inbox, or written straight into the records): prepared
// against the rules in force, and answered once per Idempotency-Key.

export interface BatchOptions {
  /** Makes a retried batch a no-op: the first answer is stored and returned again. Scope it per caller. */
  idempotencyKey?: string | null;
  now?: Date;
  /** The sensitive columns to hash (loadSensitiveMask), when the caller loaded them before it had the batch. */
  sensitive?: SensitiveMask;
  /** The rules in force at `now` (listActiveRules), when the caller loaded them before it had the batch. */
  rules?: NormalizationRule[];
}

/** Differing fields, signatures and groups of a validated batch's records (the shared rules, as of now), and its counts. */
export async function prepareBatch(batch: MismatchBatch, options: BatchOptions, reconciliationJobId: string | null) {
  const now = options.now ?? new Date();
  const [rules, sensitive, shapes] = await Promise.all([
    options.rules ?? listActiveRules(now),
    options.sensitive ?? loadSensitiveMask(),
    keyShapesOf(tablesOf(batch.mismatches)),
  ]);
  const records = prepareRecords(batch.mismatches, createRuleResolver(rules, now), sensitive, shapes, now, reconciliationJobId);
  return { records, comparisons: aggregateComparisons(batch.comparisons), ignoredByRules: countIgnored(records) };
}

type Tx = postgres.TransactionSql;

/**
 * Claims an Idempotency-Key with the answer to store (when it is known before the writes; else stored later with
 * storeAnswer), or, when an earlier request holds the key, returns that request's answer as replayed.
 */
export async function replayedAnswer<T>(tx: Tx, key: string, answer: object = {}): Promise<T | null> {
  const claimed = await tx`
    insert into mismatch_ingest_keys (key, response) values (${key}, ${JSON.stringify(answer)}::jsonb)
    on conflict (key) do nothing returning key`;
  if (claimed.length) return null;
  const [stored] = await tx`select response from mismatch_ingest_keys where key = ${key}`;
  // drizzle leaves json unparsed on the shared client, so the stored answer may arrive as text.
  const response = typeof stored.response === "string" ? JSON.parse(stored.response) : stored.response;
  return { ...(response as T), replayed: true };
}

export async function storeAnswer(tx: Tx, key: string, result: unknown) {
  await tx`update mismatch_ingest_keys set response = ${JSON.stringify(result)}::jsonb where key = ${key}`;
}
