/**
 * Record preparation: a validated batch's records with their differing fields (the shared normalization rules),
 * canonical keys, signatures and groups, repeats inside the batch folded by the merge rule. Pure: the models
 * load the rules, the sensitive columns and the key shapes, and write what this returns.
 */
import { canonicalPrimaryKey, compareRows, isCalendarTime, primaryKeyIdentity, type KeyShape, type Row, type RuleResolver } from "../normalization";
import type { SensitiveMask } from "../sensitive/sensitive-values";
import type { ComparisonInput, MismatchInput } from "./contract";
import { mergeRecord } from "./merge";
import type { PreparedRecord } from "./prepared-record";
import { FIELD_SEPARATOR, mismatchSignature, sha1 as hash } from "./signature";

export type { PreparedRecord };

export interface AggregatedComparison {
  cohort: string;
  table: string;
  windowStart: string;
  compared: number;
  mismatched: number;
}

function asRow(value: unknown): Row {
  return value !== null && typeof value === "object" && !Array.isArray(value) ? (value as Row) : { value };
}

export function tablesOf(inputs: MismatchInput[]): Set<string> {
  const tables = new Set<string>();
  for (const input of inputs) tables.add(input.table);
  return tables;
}

export function countIgnored(records: PreparedRecord[]): number {
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
export function prepareRecords(
  inputs: MismatchInput[],
  resolve: RuleResolver,
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
