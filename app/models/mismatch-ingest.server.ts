import type postgres from "postgres";
import type { MismatchKind, MismatchOrigin } from "../../db/schema";
import {
  canonicalPrimaryKey,
  compareRows,
  createRuleResolver,
  isCalendarTime,
  primaryKeyIdentity,
  type KeyShape,
  type NormalizationRule,
  type Row,
} from "../normalization";
import { FIELD_SEPARATOR, mismatchSignature, sha1 as hash } from "./mismatch-signature.server";
import { keyShapesOf } from "./primary-key-shape.server";
import { listActiveRules } from "./normalization-rule.server";
import { loadSensitiveMask } from "./sensitive-mask.server";
import type { SensitiveMask } from "../sensitive/sensitive-values";
import type { ComparisonInput, MismatchBatch, MismatchInput } from "./mismatch-validation.server";
import { writeLatencies } from "./operation-latency.server";
import { controlSql } from "~/utils/db.server";

export interface IngestOptions {
  /** Makes a retried batch a no-op: the first answer is stored and returned again. Scope it per caller. */
  idempotencyKey?: string | null;
  /** Set by the reconciliation engine (origin `reconciliation`) to link records to its job. */
  reconciliationJobId?: string | null;
  now?: Date;
  /** The sensitive columns to hash (loadSensitiveMask), when the caller loaded them before it had the batch. */
  sensitive?: SensitiveMask;
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

export interface StageOptions extends Omit<IngestOptions, "reconciliationJobId"> {
  /** The rules in force at `now` (listActiveRules), when the caller loaded them before it had the batch. */
  rules?: NormalizationRule[];
}

/** The API's answer: the batch is durably staged in the inbox; whether its records are new is known only once folded. */
export type StageResult = Omit<IngestResult, "created" | "deduplicated">;

/** postgres NOTIFY channel: a batch was staged in mismatch_inbox (app/jobs/mismatches.server.ts listens). */
export const MISMATCH_INBOX_CHANNEL = "mismatch_inbox";

function asRow(value: unknown): Row {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Row) : { value };
}

export interface PreparedRecord {
  signature: string;
  groupKey: string;
  origin: MismatchOrigin;
  kind: MismatchKind;
  table: string;
  primaryKey: string;
  userId: string | null;
  cohortId: string | null;
  fingerprint: string | null;
  sourceValue: string | null;
  targetValue: string | null;
  fieldsKey: string;
  ignoredByRuleId: string | null;
  reconciliationJobId: string | null;
  occurrences: number;
  /** Occurrences per origin (they add up to `occurrences`): one record may be reported by several. */
  shadowReads: number;
  dualWrites: number;
  reconciliations: number;
  firstMs: number;
  lastMs: number;
  /** firstMs and lastMs as toISOString would write them, when the detection time came in that form (or null). */
  firstAt: string | null;
  lastAt: string | null;
}

export interface AggregatedComparison {
  cohort: string;
  table: string;
  windowStart: string;
  compared: number;
  mismatched: number;
}

type Tx = postgres.TransactionSql;

/**
 * Claims an Idempotency-Key with the answer to store (when it is known before the writes; else stored later with
 * storeAnswer), or, when an earlier request holds the key, returns that request's answer as replayed.
 */
async function replayedAnswer<T>(tx: Tx, key: string, answer: object = {}): Promise<T | null> {
  const claimed = await tx`
    insert into mismatch_ingest_keys (key, response) values (${key}, ${JSON.stringify(answer)}::jsonb)
    on conflict (key) do nothing returning key`;
  if (claimed.length) return null;
  const [stored] = await tx`select response from mismatch_ingest_keys where key = ${key}`;
  // drizzle leaves json unparsed on the shared client, so the stored answer may arrive as text.
  const response = typeof stored.response === "string" ? JSON.parse(stored.response) : stored.response;
  return { ...(response as T), replayed: true };
}

async function storeAnswer(tx: Tx, key: string, result: unknown) {
  await tx`update mismatch_ingest_keys set response = ${JSON.stringify(result)}::jsonb where key = ${key}`;
}

/**
 * The API path: computes differing fields, signatures and groups for a validated batch (the shared normalization
 * rules, as of now), then appends it to mismatch_inbox as one row, with its Idempotency-Key, in one transaction.
 * The commit notifies the folders (`foldMismatchInbox`), which merge it into records, groups and counts.
 */
export async function stageMismatches(batch: MismatchBatch, options: StageOptions = {}): Promise<StageResult> {
  const now = options.now ?? new Date();
  const [rules, sensitive, shapes] = await Promise.all([
    options.rules ?? listActiveRules(now),
    options.sensitive ?? loadSensitiveMask(),
    keyShapesOf(tablesOf(batch.mismatches)),
  ]);
  const records = prepareRecords(batch.mismatches, createRuleResolver(rules, now), sensitive, shapes, now, null);
  const comparisons = aggregateComparisons(batch.comparisons);
  const result: StageResult = {
    accepted: batch.mismatches.length,
    ignoredByRules: countIgnored(records),
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

/**
 * Writes a validated batch straight into the records in one transaction (no inbox): the reconciliation engine
 * uses it, since a range's differences must be stored before the range counts as done.
 */
export async function ingestMismatches(batch: MismatchBatch, options: IngestOptions = {}): Promise<IngestResult> {
  const now = options.now ?? new Date();
  const [rules, sensitive, shapes] = await Promise.all([
    listActiveRules(now),
    options.sensitive ?? loadSensitiveMask(),
    keyShapesOf(tablesOf(batch.mismatches)),
  ]);
  const records = prepareRecords(batch.mismatches, createRuleResolver(rules, now), sensitive, shapes, now, options.reconciliationJobId ?? null);
  const comparisons = aggregateComparisons(batch.comparisons);
  const ignoredByRules = countIgnored(records);

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

/**
 * Merges staged records (COPY text from `encodeRecords`, one line per signature: one batch, or several through
 * `mergeEncodedBatches`) into the stored ones in one
 * transaction: deduplicated on table + key + kind + differing-field signature (occurrences grow, first/last seen
 * widen, the latest values win), the grouped view and hourly counts maintained, comparison counts added per cohort,
 * table and window. The records go through COPY into a transaction-local table and are merged set-based in SQL.
 * Tables are written in one order and rows in key order, so concurrent writers wait instead of deadlocking.
 * Returns how many records were new and how many occurrences were written.
 */
export async function writeRecords(
  tx: Tx,
  copyText: string,
  comparisons: AggregatedComparison[],
  { copyAnswerMs = COPY_ANSWER_MS }: { copyAnswerMs?: number } = {},
): Promise<{ created: number; records: number }> {
  let created = 0;
  let records = 0;
  if (copyText.length) {
    await tx`
      create temp table mismatch_fold (
        signature text, group_key text, origin mismatch_origin, kind mismatch_kind, table_name text,
        primary_key jsonb, user_id text, cohort_id text, fingerprint text, source_value json, target_value json,
        fields text, rule_id uuid, job_id text, occurrences int, first_seen timestamptz, last_seen timestamptz,
        shadow_reads int, dual_writes int, reconciliations int
      ) on commit drop`;
    // The upsert sorts a fold's records (~10 MB for 20 batches): in memory, not in temp files.
    await tx`set local work_mem = '64MB'`;
    const writable = await tx`copy mismatch_fold from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      // postgres.js (3.4) drops an error the server raises during COPY FROM STDIN once the stream has ended, and
      // "finish" then never comes: fail (and roll back) rather than wait forever holding the claimed batches.
      const timer = setTimeout(() => reject(new CopyNoAnswerError(copyAnswerMs)), copyAnswerMs);
      writable.on("error", (error) => (clearTimeout(timer), reject(error)));
      writable.on("finish", () => (clearTimeout(timer), resolve()));
      writable.end(copyText);
    });
    const [result] = await tx`
      with upserted as (
        insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id,
          fingerprint, source_value, target_value, differing_fields, status, ignored_by_rule_id,
          reconciliation_job_id, occurrences, first_seen_at, last_seen_at, shadow_read_occurrences,
          dual_write_occurrences, reconciliation_occurrences)
        select signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint,
          source_value, target_value,
          case when fields = '' then '{}'::text[] else string_to_array(fields, ${FIELD_SEPARATOR}) end,
          (case when rule_id is null then 'open' else 'ignored' end)::mismatch_status, rule_id, job_id,
          occurrences, first_seen, last_seen, shadow_reads, dual_writes, reconciliations
        from mismatch_fold order by signature
        on conflict (signature) do update set
          occurrences = mismatches.occurrences + excluded.occurrences,
          shadow_read_occurrences = mismatches.shadow_read_occurrences + excluded.shadow_read_occurrences,
          dual_write_occurrences = mismatches.dual_write_occurrences + excluded.dual_write_occurrences,
          reconciliation_occurrences = mismatches.reconciliation_occurrences + excluded.reconciliation_occurrences,
          first_seen_at = least(mismatches.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(mismatches.last_seen_at, excluded.last_seen_at),
          -- Batches can be folded out of order: the latest occurrence's values are the ones worth showing.
          source_value = case when excluded.last_seen_at >= mismatches.last_seen_at then excluded.source_value else mismatches.source_value end,
          target_value = case when excluded.last_seen_at >= mismatches.last_seen_at then excluded.target_value else mismatches.target_value end,
          user_id = coalesce(excluded.user_id, mismatches.user_id),
          cohort_id = coalesce(excluded.cohort_id, mismatches.cohort_id),
          reconciliation_job_id = coalesce(excluded.reconciliation_job_id, mismatches.reconciliation_job_id),
          -- A problem marked resolved or repaired that happens again is open again.
          status = case when mismatches.status in ('resolved', 'repaired') then 'open'::mismatch_status else mismatches.status end,
          updated_at = now()
        returning group_key, (xmax = 0) as inserted
      ), created as (
        select group_key, count(*) filter (where inserted)::int as n from upserted group by group_key
      ), groups as (
        -- Aggregating over "created" consumes every upsert first: record rows are locked before group rows.
        insert into mismatch_groups (key, table_name, kind, differing_fields, records, occurrences, first_seen_at, last_seen_at)
        select f.group_key, min(f.table_name), min(f.kind::text)::mismatch_kind,
          case when min(f.fields) = '' then '{}'::text[] else string_to_array(min(f.fields), ${FIELD_SEPARATOR}) end,
          coalesce(max(c.n), 0), sum(f.occurrences), min(f.first_seen), max(f.last_seen)
        from mismatch_fold f left join created c on c.group_key = f.group_key
        group by f.group_key order by f.group_key
        on conflict (key) do update set
          records = mismatch_groups.records + excluded.records,
          occurrences = mismatch_groups.occurrences + excluded.occurrences,
          first_seen_at = least(mismatch_groups.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(mismatch_groups.last_seen_at, excluded.last_seen_at)
        returning key
      )
      select (select coalesce(sum(n), 0)::int from created) as created, (select count(*)::int from groups) as groups,
        (select coalesce(sum(occurrences), 0)::int from mismatch_fold) as records`;
    created = result.created;
    records = result.records;
    // Occurrences folded into one record are attributed to its last hour: exact enough for a sparkline. A record
    // several origins reported counts under each of them.
    await tx`
      insert into mismatch_hourly (hour, group_key, origin, cohort_id, occurrences)
      select date_bin('1 hour', f.last_seen, timestamptz 'epoch'), f.group_key, o.origin, coalesce(f.cohort_id, ''), sum(o.n)
      from mismatch_fold f cross join lateral (values ('shadow_read'::mismatch_origin, f.shadow_reads),
        ('dual_write_error'::mismatch_origin, f.dual_writes), ('reconciliation'::mismatch_origin, f.reconciliations)) as o(origin, n)
      where o.n > 0
      group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (hour, group_key, origin, cohort_id) do update set occurrences = mismatch_hourly.occurrences + excluded.occurrences`;
  }
  if (comparisons.length) await writeComparisons(tx, comparisons);
  return { created, records };
}

/** A fold's COPY takes well under a second; this is only the bound on a lost answer. */
const COPY_ANSWER_MS = 60_000;

/** The server refused a COPY's rows (so far the only cause seen) and postgres.js lost its answer. */
export class CopyNoAnswerError extends Error {
  constructor(ms: number) {
    super(`COPY of staged mismatch records got no answer in ${ms / 1000} s (the server log has the reason)`);
    this.name = "CopyNoAnswerError";
  }
}

function tablesOf(inputs: MismatchInput[]): Set<string> {
  const tables = new Set<string>();
  for (const input of inputs) tables.add(input.table);
  return tables;
}

function countIgnored(records: PreparedRecord[]): number {
  let ignored = 0;
  for (const record of records) if (record.ignoredByRuleId) ignored += record.occurrences;
  return ignored;
}

const FIELDS_ONLY = { fieldsOnly: true } as const;

/**
 * Computes fields, signatures and groups, and folds repeats inside the batch (one upsert may not touch a row twice).
 * Sensitive columns are hashed after the differing fields are computed on the clear values: every path that
 * stores source and target values (the API's inbox, the reconciliation engine) comes through here.
 */
function prepareRecords(
  inputs: MismatchInput[],
  resolve: ReturnType<typeof createRuleResolver>,
  sensitive: SensitiveMask,
  shapes: Map<string, KeyShape | null>,
  now: Date,
  reconciliationJobId: string | null,
): PreparedRecord[] {
  const bySignature = new Map<string, PreparedRecord>();
  // A batch has few groups: hash each once.
  const groupKeys = new Map<string, string>();
  for (const input of inputs) {
    let fields: string[] = [];
    let ignoredByRuleId: string | null = null;
    if (input.kind === "value_mismatch" && input.sourceValue != null && input.targetValue != null) {
      const comparison = compareRows(input.table, asRow(input.sourceValue), asRow(input.targetValue), resolve, now, FIELDS_ONLY);
      fields = comparison.differingFields;
      if (comparison.equal && comparison.ignored.length) ignoredByRuleId = comparison.ignored[0].ruleId;
    }
    const primaryKey = canonicalPrimaryKey(input.primaryKey, shapes.get(input.table) ?? null);
    const fieldsKey = fields.join(FIELD_SEPARATOR);
    const at = input.detectedAt;
    const detected = !at ? now.getTime() : typeof at === "string" ? Date.parse(at) : at.getTime();
    const detectedAt = typeof at === "string" && isIsoInstant(at) ? at : null;
    mergeRecord(bySignature, {
      signature: mismatchSignature(input.table, primaryKeyIdentity(primaryKey), input.kind, fieldsKey),
      groupKey: groupKeyOf(groupKeys, `${input.table}\u0000${input.kind}\u0000${fieldsKey}`),
      origin: input.origin,
      kind: input.kind,
      table: input.table,
      primaryKey: JSON.stringify(primaryKey),
      userId: input.userId ?? null,
      cohortId: input.cohort ?? null,
      fingerprint: input.fingerprint ?? null,
      sourceValue: input.sourceValue == null ? null : JSON.stringify(sensitive.row(input.table, input.sourceValue)),
      targetValue: input.targetValue == null ? null : JSON.stringify(sensitive.row(input.table, input.targetValue)),
      fieldsKey,
      ignoredByRuleId,
      reconciliationJobId,
      occurrences: 1,
      shadowReads: input.origin === "shadow_read" ? 1 : 0,
      dualWrites: input.origin === "dual_write_error" ? 1 : 0,
      reconciliations: input.origin === "reconciliation" ? 1 : 0,
      firstMs: detected,
      lastMs: detected,
      firstAt: detectedAt,
      lastAt: detectedAt,
    });
  }
  return [...bySignature.values()];
}

const ISO_INSTANT = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})\.\d{3}Z$/;

/**
 * Whether a detection time is already what toISOString makes of it (as the client sends it): formatting it again
 * cost more than the rest of a record's COPY line. Dates a Date would roll over (Feb 30, 24:00) do not count.
 */
export function isIsoInstant(text: string): boolean {
  const m = ISO_INSTANT.exec(text);
  return m !== null && isCalendarTime(Number(m[1]), Number(m[2]), Number(m[3]), Number(m[4]), Number(m[5]), Number(m[6]));
}

function groupKeyOf(cache: Map<string, string>, group: string): string {
  let key = cache.get(group);
  if (key === undefined) cache.set(group, (key = hash(group)));
  return key;
}

/** Adds a record to the one with its signature, if any. */
function mergeRecord(bySignature: Map<string, PreparedRecord>, record: PreparedRecord) {
  const existing = bySignature.get(record.signature);
  if (existing) mergeInto(existing, record);
  else bySignature.set(record.signature, record);
}

/**
 * The one rule for two occurrences of a signature (inside a batch, and across the batches of a fold): occurrences
 * add up, first/last seen widen, the latest values win, and known context is kept from the one merged into.
 */
function mergeInto(existing: PreparedRecord, record: PreparedRecord): PreparedRecord {
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

/** COPY text escaping: backslash, newline, carriage return and tab are the only special characters. */
function copyText(value: string | null): string {
  if (value === null) return "\\N";
  return SPECIAL.test(value)
    ? value.replace(/\\/g, "\\\\").replace(/\n/g, "\\n").replace(/\r/g, "\\r").replace(/\t/g, "\\t")
    : value;
}
const SPECIAL = /[\\\n\r\t]/;

/** JSON.stringify output has no raw control characters, so only its backslashes need doubling. */
function copyJson(value: string | null): string {
  if (value === null) return "\\N";
  return value.includes("\\") ? value.replace(/\\/g, "\\\\") : value;
}

/**
 * Prepared records as COPY text lines in the column order of `writeRecords`' mismatch_fold table: what the inbox
 * keeps per batch, so a fold hands many batches to PostgreSQL's COPY parser without decoding them in JS.
 * Signatures and group keys are hex, origins and kinds enum labels, rule ids uuids: none needs escaping.
 */
export function encodeRecords(records: PreparedRecord[]): string {
  const lines: string[] = new Array(records.length);
  for (let i = 0; i < records.length; i++) {
    const r = records[i];
    const first = r.firstAt ?? new Date(r.firstMs).toISOString();
    const last = r.lastMs === r.firstMs ? first : (r.lastAt ?? new Date(r.lastMs).toISOString());
    lines[i] =
      `${r.signature}\t${r.groupKey}\t${r.origin}\t${r.kind}\t${copyText(r.table)}\t${copyJson(r.primaryKey)}\t` +
      `${copyText(r.userId)}\t${copyText(r.cohortId)}\t${copyText(r.fingerprint)}\t${copyJson(r.sourceValue)}\t` +
      `${copyJson(r.targetValue)}\t${copyText(r.fieldsKey)}\t${r.ignoredByRuleId ?? "\\N"}\t${copyText(r.reconciliationJobId)}\t` +
      `${r.occurrences}\t${first}\t${last}\t${r.shadowReads}\t${r.dualWrites}\t${r.reconciliations}\n`;
  }
  return lines.join("");
}

/**
 * Merges encoded batches (each already one line per signature) into one COPY text with one line per signature,
 * by the rule of `mergeInto`. A fold does this in the folder rather than with a window sort in SQL (which cost
 * about a sixth of a fold's PostgreSQL CPU); only the rare repeated line is decoded.
 */
export function mergeEncodedBatches(batches: string[]): string {
  const lines = new Map<string, string>();
  // Whether the batches can no longer be handed on as they are.
  let rebuild = false;
  for (const batch of batches) {
    let start = 0;
    while (start < batch.length) {
      // Every line ends in a newline; a last one without is still one line (and must get one before the next batch).
      let end = batch.indexOf("\n", start);
      if (end < 0) {
        end = batch.length;
        rebuild = true;
      }
      const line = batch.slice(start, end);
      start = end + 1;
      const signature = line.slice(0, line.indexOf("\t"));
      const existing = lines.get(signature);
      if (existing === undefined) lines.set(signature, line);
      else {
        lines.set(signature, mergeLines(existing, line));
        rebuild = true;
      }
    }
  }
  if (!rebuild) return batches.join("");
  let text = "";
  for (const line of lines.values()) text += line + "\n";
  return text;
}

function mergeLines(a: string, b: string): string {
  const merged = encodeRecords([mergeInto(decodeLine(a), decodeLine(b))]);
  return merged.slice(0, -1);
}

/**
 * Staged records (encodeRecords text) with the mask's columns hashed: for batches staged before a column was
 * marked sensitive. Lines of other tables are kept as they are; unchanged text comes back as the same string.
 */
export function maskEncodedRecords(text: string, mask: SensitiveMask): string {
  let changed = false;
  const lines = text.split("\n").map((line) => {
    if (!line) return line;
    const record = decodeLine(line);
    if (!mask.columnsOf(record.table)) return line;
    const masked = { ...record };
    for (const side of ["sourceValue", "targetValue"] as const) {
      const value = record[side];
      if (value !== null) masked[side] = JSON.stringify(mask.row(record.table, JSON.parse(value)));
    }
    if (masked.sourceValue === record.sourceValue && masked.targetValue === record.targetValue) return line;
    changed = true;
    return encodeRecords([masked]).slice(0, -1);
  });
  return changed ? lines.join("\n") : text;
}

/**
 * Staged records (encodeRecords text, either line format) with their keys in the canonical form and signatures
 * recomputed, lines that now share a signature merged: for the batches waiting when identities were migrated.
 */
export function reidentifyEncodedRecords(text: string, shapes: Map<string, KeyShape | null>): string {
  const bySignature = new Map<string, PreparedRecord>();
  for (const line of text.split("\n")) {
    if (!line) continue;
    const record = decodeLine(line);
    const key = canonicalPrimaryKey(JSON.parse(record.primaryKey), shapes.get(record.table) ?? null);
    record.primaryKey = JSON.stringify(key);
    record.signature = mismatchSignature(record.table, primaryKeyIdentity(key), record.kind, record.fieldsKey);
    mergeRecord(bySignature, record);
  }
  return encodeRecords([...bySignature.values()]);
}

/** An encodeRecords line back as the record it was (its detection times are in toISOString's form). */
function decodeLine(line: string): PreparedRecord {
  const f = line.split("\t").map(copyValue);
  const [firstAt, lastAt] = [f[15] as string, f[16] as string];
  const origin = f[2] as MismatchOrigin;
  const occurrences = Number(f[14]);
  // Lines staged before the per-origin counts existed (17 fields) count every occurrence under their origin.
  const perOrigin = f.length > 17 ? f.slice(17, 20).map(Number) : MISMATCH_ORIGIN_ORDER.map((o) => (o === origin ? occurrences : 0));
  return {
    signature: f[0] as string,
    groupKey: f[1] as string,
    origin,
    kind: f[3] as MismatchKind,
    table: f[4] as string,
    primaryKey: f[5] as string,
    userId: f[6],
    cohortId: f[7],
    fingerprint: f[8],
    sourceValue: f[9],
    targetValue: f[10],
    fieldsKey: f[11] as string,
    ignoredByRuleId: f[12],
    reconciliationJobId: f[13],
    occurrences,
    shadowReads: perOrigin[0],
    dualWrites: perOrigin[1],
    reconciliations: perOrigin[2],
    firstMs: Date.parse(firstAt),
    lastMs: Date.parse(lastAt),
    firstAt,
    lastAt,
  };
}

const MISMATCH_ORIGIN_ORDER: MismatchOrigin[] = ["shadow_read", "dual_write_error", "reconciliation"];

/** The inverse of copyText and copyJson. */
function copyValue(field: string): string | null {
  if (field === "\\N") return null;
  return field.includes("\\") ? field.replace(/\\(.)/g, (_, c: string) => COPY_ESCAPES[c] ?? c) : field;
}
const COPY_ESCAPES: Record<string, string> = { n: "\n", r: "\r", t: "\t" };

export function aggregateComparisons(inputs: ComparisonInput[]): AggregatedComparison[] {
  const byKey = new Map<string, AggregatedComparison>();
  for (const c of inputs) {
    const windowStart = new Date(c.windowStart).toISOString();
    const cohort = c.cohort ?? "";
    const key = `${cohort}\u0000${c.table}\u0000${windowStart}`;
    const entry = byKey.get(key);
    if (entry) {
      entry.compared += c.compared;
      entry.mismatched += c.mismatched;
    } else {
      byKey.set(key, { cohort, table: c.table, windowStart, compared: c.compared, mismatched: c.mismatched });
    }
  }
  return [...byKey.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
}

// A window's counts saturate instead of overflowing: an overflow would fail every later batch for the window.
const BIGINT_MAX = "9223372036854775807";

async function writeComparisons(tx: Tx, rows: AggregatedComparison[]) {
  await tx`
    insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
    select u.cohort_id, u.table_name, u.window_start::timestamptz, u.compared, u.mismatched
    from unnest(${rows.map((r) => r.cohort)}::text[], ${rows.map((r) => r.table)}::text[],
      ${rows.map((r) => r.windowStart)}::text[], ${rows.map((r) => r.compared)}::bigint[], ${rows.map((r) => r.mismatched)}::bigint[])
      as u(cohort_id, table_name, window_start, compared, mismatched)
    on conflict (cohort_id, table_name, window_start) do update set
      compared = least(mismatch_comparisons.compared::numeric + excluded.compared, ${BIGINT_MAX}::numeric)::bigint,
      mismatched = least(mismatch_comparisons.mismatched::numeric + excluded.mismatched, ${BIGINT_MAX}::numeric)::bigint`;
}
