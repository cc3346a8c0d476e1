import { createHash } from "node:crypto";
import type postgres from "postgres";
import type { MismatchKind, MismatchOrigin } from "../../db/schema";
import { canonicalJson, compareRows, createRuleResolver, type Row } from "../normalization";
import { listActiveRules } from "./normalization-rule.server";
import type { ComparisonInput, MismatchBatch, MismatchInput } from "./mismatch-validation.server";
import { controlSql } from "~/utils/db.server";

export interface IngestOptions {
  /** Makes a retried batch a no-op: the first answer is stored and returned again. Scope it per caller. */
  idempotencyKey?: string | null;
  /** Set by the reconciliation engine (origin `reconciliation`) to link records to its job. */
  reconciliationJobId?: string | null;
  now?: Date;
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

/** The API's answer: the batch is durably staged in the inbox; whether its records are new is known only once folded. */
export type StageResult = Omit<IngestResult, "created" | "deduplicated">;

/** postgres NOTIFY channel: a batch was staged in mismatch_inbox (app/jobs/mismatches.server.ts listens). */
export const MISMATCH_INBOX_CHANNEL = "mismatch_inbox";

// Field names joined with the ASCII unit separator: column names never contain it, commas sometimes do.
const FIELD_SEPARATOR = "\u001f";

function hash(text: string): string {
  return createHash("sha1").update(text).digest("hex");
}

function asRow(value: unknown): Row {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Row) : { value };
}

function hourOf(ms: number): number {
  return ms - (ms % 3_600_000);
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
  firstMs: number;
  lastMs: number;
}

export interface AggregatedComparison {
  cohort: string;
  table: string;
  windowStart: string;
  compared: number;
  mismatched: number;
}

type Tx = postgres.TransactionSql;

async function replayedAnswer<T>(tx: Tx, key: string): Promise<T | null> {
  const claimed = await tx`
    insert into mismatch_ingest_keys (key, response) values (${key}, '{}'::jsonb)
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

let lz4: Promise<boolean> | null = null;
function hasLz4(tx: Tx): Promise<boolean> {
  lz4 ??= tx`select 'lz4' = any(enumvals) as ok from pg_settings where name = 'default_toast_compression'`.then(
    ([row]) => Boolean(row?.ok),
    (error) => {
      lz4 = null;
      throw error;
    },
  );
  return lz4;
}

/**
 * The API path: computes differing fields, signatures and groups for a validated batch (the shared normalization
 * rules, as of now), then appends it to mismatch_inbox as one row, with its Idempotency-Key, in one transaction.
 * The commit notifies the folders (`foldMismatchInbox`), which merge it into records, groups and counts.
 */
export async function stageMismatches(batch: MismatchBatch, options: Omit<IngestOptions, "reconciliationJobId"> = {}): Promise<StageResult> {
  const now = options.now ?? new Date();
  const resolve = createRuleResolver(await listActiveRules(now), now);
  const records = prepareRecords(batch.mismatches, resolve, now, null);
  const comparisons = aggregateComparisons(batch.comparisons);
  const result: StageResult = {
    accepted: batch.mismatches.length,
    ignoredByRules: countIgnored(records),
    comparisons: batch.comparisons.length,
    replayed: false,
  };
  return controlSql().begin(async (tx): Promise<StageResult> => {
    if (options.idempotencyKey) {
      const replayed = await replayedAnswer<StageResult>(tx, options.idempotencyKey);
      if (replayed) return replayed;
    }
    if (records.length || comparisons.length) {
      // lz4 compresses a batch several times faster than the default pglz, where the server has it.
      if (await hasLz4(tx)) await tx`set local default_toast_compression = lz4`;
      await tx`
        insert into mismatch_inbox (records, comparisons, record_count)
        values (${encodeInbox(records)}, ${JSON.stringify(comparisons)}, ${records.length})`;
      await tx`select pg_notify(${MISMATCH_INBOX_CHANNEL}, '')`;
    }
    if (options.idempotencyKey) await storeAnswer(tx, options.idempotencyKey, result);
    return result;
  });
}

/**
 * Writes a validated batch straight into the records in one transaction (no inbox): the reconciliation engine
 * uses it, since a range's differences must be stored before the range counts as done.
 */
export async function ingestMismatches(batch: MismatchBatch, options: IngestOptions = {}): Promise<IngestResult> {
  const now = options.now ?? new Date();
  const resolve = createRuleResolver(await listActiveRules(now), now);
  const records = prepareRecords(batch.mismatches, resolve, now, options.reconciliationJobId ?? null);
  const comparisons = aggregateComparisons(batch.comparisons);
  const ignoredByRules = countIgnored(records);

  return controlSql().begin(async (tx): Promise<IngestResult> => {
    if (options.idempotencyKey) {
      const replayed = await replayedAnswer<IngestResult>(tx, options.idempotencyKey);
      if (replayed) return replayed;
    }
    const created = await writeRecords(tx, records, comparisons);
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
 * Merges prepared records into the stored ones: deduplicated on table + key + kind + differing-field signature
 * (occurrences grow, first/last seen widen), the grouped view and hourly counts maintained, comparison counts
 * added per cohort, table and window. Tables are written in one order and rows in key order, so concurrent
 * writers wait for each other instead of deadlocking. Returns how many records were new.
 */
export async function writeRecords(tx: Tx, records: PreparedRecord[], comparisons: AggregatedComparison[]): Promise<number> {
  let created = 0;
  const newPerGroup = new Map<string, number>();
  if (records.length) {
    const inserted = await tx`
      insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id,
        fingerprint, source_value, target_value, differing_fields, status, ignored_by_rule_id,
        reconciliation_job_id, occurrences, first_seen_at, last_seen_at)
      select u.signature, u.group_key, u.origin::mismatch_origin, u.kind::mismatch_kind, u.table_name,
        u.primary_key::jsonb, u.user_id, u.cohort_id, u.fingerprint, u.source_value::jsonb, u.target_value::jsonb,
        case when u.fields = '' then '{}'::text[] else string_to_array(u.fields, ${FIELD_SEPARATOR}) end,
        (case when u.rule_id is null then 'open' else 'ignored' end)::mismatch_status, u.rule_id::uuid,
        u.job_id, u.occurrences, u.first_seen::timestamptz, u.last_seen::timestamptz
      from unnest(
        ${records.map((r) => r.signature)}::text[], ${records.map((r) => r.groupKey)}::text[],
        ${records.map((r) => r.origin)}::text[], ${records.map((r) => r.kind)}::text[],
        ${records.map((r) => r.table)}::text[], ${records.map((r) => r.primaryKey)}::text[],
        ${records.map((r) => r.userId)}::text[], ${records.map((r) => r.cohortId)}::text[],
        ${records.map((r) => r.fingerprint)}::text[], ${records.map((r) => r.sourceValue)}::text[],
        ${records.map((r) => r.targetValue)}::text[], ${records.map((r) => r.fieldsKey)}::text[],
        ${records.map((r) => r.ignoredByRuleId)}::text[], ${records.map((r) => r.reconciliationJobId)}::text[],
        ${records.map((r) => r.occurrences)}::int[],
        ${records.map((r) => new Date(r.firstMs).toISOString())}::text[],
        ${records.map((r) => new Date(r.lastMs).toISOString())}::text[]
      ) as u(signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint,
        source_value, target_value, fields, rule_id, job_id, occurrences, first_seen, last_seen)
      on conflict (signature) do update set
        occurrences = mismatches.occurrences + excluded.occurrences,
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
      returning group_key, (xmax = 0) as inserted`;
    for (const row of inserted) {
      if (!row.inserted) continue;
      created++;
      newPerGroup.set(row.group_key, (newPerGroup.get(row.group_key) ?? 0) + 1);
    }
    await writeGroups(tx, records, newPerGroup);
    await writeHourly(tx, records);
  }
  if (comparisons.length) await writeComparisons(tx, comparisons);
  return created;
}

function countIgnored(records: PreparedRecord[]): number {
  let ignored = 0;
  for (const record of records) if (record.ignoredByRuleId) ignored += record.occurrences;
  return ignored;
}

/** Computes fields, signatures and groups, and folds repeats inside the batch (one upsert may not touch a row twice). */
function prepareRecords(
  inputs: MismatchInput[],
  resolve: ReturnType<typeof createRuleResolver>,
  now: Date,
  reconciliationJobId: string | null,
): PreparedRecord[] {
  const bySignature = new Map<string, PreparedRecord>();
  for (const input of inputs) {
    let fields: string[] = [];
    let ignoredByRuleId: string | null = null;
    if (input.kind === "value_mismatch" && input.sourceValue != null && input.targetValue != null) {
      const comparison = compareRows(input.table, asRow(input.sourceValue), asRow(input.targetValue), resolve, now, { fieldsOnly: true });
      fields = comparison.differingFields;
      if (comparison.equal && comparison.ignored.length) ignoredByRuleId = comparison.ignored[0].ruleId;
    }
    const primaryKey = canonicalJson(input.primaryKey, true);
    const fieldsKey = fields.join(FIELD_SEPARATOR);
    const detected = input.detectedAt ? new Date(input.detectedAt).getTime() : now.getTime();
    mergeRecord(bySignature, {
      signature: hash(`${input.table}\u0000${primaryKey}\u0000${input.kind}\u0000${fieldsKey}`),
      groupKey: hash(`${input.table}\u0000${input.kind}\u0000${fieldsKey}`),
      origin: input.origin,
      kind: input.kind,
      table: input.table,
      primaryKey: JSON.stringify(input.primaryKey),
      userId: input.userId ?? null,
      cohortId: input.cohort ?? null,
      fingerprint: input.fingerprint ?? null,
      sourceValue: input.sourceValue == null ? null : JSON.stringify(input.sourceValue),
      targetValue: input.targetValue == null ? null : JSON.stringify(input.targetValue),
      fieldsKey,
      ignoredByRuleId,
      reconciliationJobId,
      occurrences: 1,
      firstMs: detected,
      lastMs: detected,
    });
  }
  return inSignatureOrder(bySignature);
}

/** Adds a record to the one with its signature, if any: occurrences add up, first/last seen widen. */
export function mergeRecord(bySignature: Map<string, PreparedRecord>, record: PreparedRecord) {
  const existing = bySignature.get(record.signature);
  if (!existing) {
    bySignature.set(record.signature, record);
    return;
  }
  existing.occurrences += record.occurrences;
  existing.firstMs = Math.min(existing.firstMs, record.firstMs);
  if (record.lastMs >= existing.lastMs) {
    // The latest occurrence's values are the ones worth showing.
    existing.lastMs = record.lastMs;
    existing.sourceValue = record.sourceValue;
    existing.targetValue = record.targetValue;
  }
  existing.userId ??= record.userId;
  existing.cohortId ??= record.cohortId;
  existing.reconciliationJobId ??= record.reconciliationJobId;
}

/** A fixed order keeps concurrent writers from deadlocking on the same rows. */
export function inSignatureOrder(bySignature: Map<string, PreparedRecord>): PreparedRecord[] {
  return [...bySignature.values()].sort((a, b) => (a.signature < b.signature ? -1 : a.signature > b.signature ? 1 : 0));
}

// The inbox keeps a batch's prepared records as JSON arrays in this field order: half the bytes of objects.
const INBOX_FIELDS = [
  "signature", "groupKey", "origin", "kind", "table", "primaryKey", "userId", "cohortId", "fingerprint", "sourceValue",
  "targetValue", "fieldsKey", "ignoredByRuleId", "reconciliationJobId", "occurrences", "firstMs", "lastMs",
] as const satisfies readonly (keyof PreparedRecord)[];

function encodeInbox(records: PreparedRecord[]): string {
  return JSON.stringify(records.map((r) => INBOX_FIELDS.map((f) => r[f])));
}

/** The prepared records of one inbox row, as `stageMismatches` wrote them. */
export function decodeInbox(text: string): PreparedRecord[] {
  return (JSON.parse(text) as unknown[][]).map((values) => {
    const record: Record<string, unknown> = {};
    INBOX_FIELDS.forEach((field, i) => (record[field] = values[i]));
    return record as unknown as PreparedRecord;
  });
}

async function writeGroups(tx: Tx, records: PreparedRecord[], newPerGroup: Map<string, number>) {
  const groups = new Map<string, { table: string; kind: string; fields: string; records: number; occurrences: number; first: number; last: number }>();
  for (const r of records) {
    const group = groups.get(r.groupKey);
    if (group) {
      group.occurrences += r.occurrences;
      group.first = Math.min(group.first, r.firstMs);
      group.last = Math.max(group.last, r.lastMs);
    } else {
      groups.set(r.groupKey, {
        table: r.table,
        kind: r.kind,
        fields: r.fieldsKey,
        records: newPerGroup.get(r.groupKey) ?? 0,
        occurrences: r.occurrences,
        first: r.firstMs,
        last: r.lastMs,
      });
    }
  }
  const keys = [...groups.keys()].sort();
  const rows = keys.map((k) => groups.get(k)!);
  await tx`
    insert into mismatch_groups (key, table_name, kind, differing_fields, records, occurrences, first_seen_at, last_seen_at)
    select u.key, u.table_name, u.kind::mismatch_kind,
      case when u.fields = '' then '{}'::text[] else string_to_array(u.fields, ${FIELD_SEPARATOR}) end,
      u.records, u.occurrences, u.first_seen::timestamptz, u.last_seen::timestamptz
    from unnest(${keys}::text[], ${rows.map((g) => g.table)}::text[], ${rows.map((g) => g.kind)}::text[],
      ${rows.map((g) => g.fields)}::text[], ${rows.map((g) => g.records)}::int[], ${rows.map((g) => g.occurrences)}::bigint[],
      ${rows.map((g) => new Date(g.first).toISOString())}::text[], ${rows.map((g) => new Date(g.last).toISOString())}::text[])
      as u(key, table_name, kind, fields, records, occurrences, first_seen, last_seen)
    on conflict (key) do update set
      records = mismatch_groups.records + excluded.records,
      occurrences = mismatch_groups.occurrences + excluded.occurrences,
      first_seen_at = least(mismatch_groups.first_seen_at, excluded.first_seen_at),
      last_seen_at = greatest(mismatch_groups.last_seen_at, excluded.last_seen_at)`;
}

async function writeHourly(tx: Tx, records: PreparedRecord[]) {
  // Occurrences folded into one record are attributed to its last hour: exact enough for a sparkline.
  const hourly = new Map<string, { hour: number; group: string; origin: string; cohort: string; n: number }>();
  for (const r of records) {
    const hour = hourOf(r.lastMs);
    const cohort = r.cohortId ?? "";
    const key = `${hour}\u0000${r.groupKey}\u0000${r.origin}\u0000${cohort}`;
    const entry = hourly.get(key);
    if (entry) entry.n += r.occurrences;
    else hourly.set(key, { hour, group: r.groupKey, origin: r.origin, cohort, n: r.occurrences });
  }
  const rows = [...hourly.entries()].sort(([a], [b]) => (a < b ? -1 : 1)).map(([, v]) => v);
  await tx`
    insert into mismatch_hourly (hour, group_key, origin, cohort_id, occurrences)
    select u.hour::timestamptz, u.group_key, u.origin::mismatch_origin, u.cohort_id, u.n
    from unnest(${rows.map((r) => new Date(r.hour).toISOString())}::text[], ${rows.map((r) => r.group)}::text[],
      ${rows.map((r) => r.origin)}::text[], ${rows.map((r) => r.cohort)}::text[], ${rows.map((r) => r.n)}::bigint[])
      as u(hour, group_key, origin, cohort_id, n)
    on conflict (hour, group_key, origin, cohort_id) do update set occurrences = mismatch_hourly.occurrences + excluded.occurrences`;
}

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

async function writeComparisons(tx: Tx, rows: AggregatedComparison[]) {
  await tx`
    insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
    select u.cohort_id, u.table_name, u.window_start::timestamptz, u.compared, u.mismatched
    from unnest(${rows.map((r) => r.cohort)}::text[], ${rows.map((r) => r.table)}::text[],
      ${rows.map((r) => r.windowStart)}::text[], ${rows.map((r) => r.compared)}::bigint[], ${rows.map((r) => r.mismatched)}::bigint[])
      as u(cohort_id, table_name, window_start, compared, mismatched)
    on conflict (cohort_id, table_name, window_start) do update set
      compared = mismatch_comparisons.compared + excluded.compared,
      mismatched = mismatch_comparisons.mismatched + excluded.mismatched`;
}
