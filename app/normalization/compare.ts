import { canonicalJson, canonicalText, compareCodePoints, inferType, isDecimalText, parseJsonText, valuesEqual } from "./canonical";
import { createRuleResolver, type RuleResolver } from "./rules";
import {
  NO_RULES,
  type ColumnRules,
  type ColumnType,
  type DiffClassification,
  type FieldDiff,
  type IgnoredField,
  type JsonPathDiff,
  type NormalizationRule,
  type Row,
  type RowComparison,
} from "./types";

const MAX_JSON_DIFFS = 50;
const FLOAT_PRECISION_RELATIVE = 1e-9;

const TIMESTAMP_TYPES = new Set(["timestamptz", "timestamp"]);
// An own enumerable key is exactly what Object.keys lists.
const isEnumerable = Object.prototype.propertyIsEnumerable;

/** A JSON document as a JS value (objects, arrays, or JSON text); undefined when it is not one. */
function asJsonDocument(value: unknown): unknown {
  if (typeof value === "string") return parseJsonText(value);
  if (value !== null && typeof value === "object" && !(value instanceof Date) && !(value instanceof Uint8Array)) {
    return value;
  }
  return undefined;
}

/**
 * Why two values differ, judged on the raw values whatever the rules say, so the UI can mark e.g.
 * `...10:00:00.123456+00` vs `...10:00:00.123+00` as a precision difference. Call it for values that differ.
 */
export function classifyDifference(source: unknown, target: unknown, type: ColumnType = "auto"): DiffClassification {
  const sourceNull = source === null || source === undefined;
  const targetNull = target === null || target === undefined;
  if (sourceNull || targetNull) {
    const other = sourceNull ? target : source;
    return typeof other === "string" && other.trim() === "" ? "null_vs_empty" : "value";
  }
  if (typeof source === "string" && typeof target === "string" && source.replace(/ +$/, "") === target.replace(/ +$/, "")) {
    return "trailing_spaces";
  }
  const sourceType = type === "auto" ? inferType(source) : type;
  const targetType = type === "auto" ? inferType(target) : type;
  if (TIMESTAMP_TYPES.has(sourceType) && TIMESTAMP_TYPES.has(targetType)) {
    for (let digits = 5; digits >= 0; digits--) {
      const rules: ColumnRules = { ...NO_RULES, timestampPrecision: { ruleId: "", digits } };
      if (canonicalText(source, rules, type) === canonicalText(target, rules, type)) return "timestamp_precision";
    }
    return "value";
  }
  const numeric: ColumnRules = { ...NO_RULES, numericScale: { ruleId: "" } };
  const sourceNumber = canonicalText(source, numeric, type);
  const targetNumber = canonicalText(target, numeric, type);
  if (sourceNumber !== null && targetNumber !== null && isDecimalText(sourceNumber) && isDecimalText(targetNumber)) {
    if (sourceNumber === targetNumber) return "numeric_scale";
    const x = Number(sourceNumber);
    const y = Number(targetNumber);
    const isFloat = (typeof source === "number" && !Number.isInteger(source)) || (typeof target === "number" && !Number.isInteger(target)) || type === "float";
    if (isFloat && Math.abs(x - y) <= FLOAT_PRECISION_RELATIVE * Math.max(Math.abs(x), Math.abs(y))) {
      return "float_precision";
    }
    return "value";
  }
  const sourceJson = asJsonDocument(source);
  const targetJson = asJsonDocument(target);
  if (sourceJson !== undefined && targetJson !== undefined && canonicalJson(sourceJson, true) === canonicalJson(targetJson, true)) {
    return "json_key_order";
  }
  return "value";
}

function pathKey(key: string): string {
  return /^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? `.${key}` : `[${JSON.stringify(key)}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === "object" && !Array.isArray(value) && !(value instanceof Date) && !(value instanceof Uint8Array);
}

/** Leaf differences between two JSON documents (key order ignored), capped at `limit` entries. */
export function diffJson(source: unknown, target: unknown, path = "$", limit = MAX_JSON_DIFFS): JsonPathDiff[] {
  const out: JsonPathDiff[] = [];
  walk(source, target, path, out, limit);
  return out;
}

function walk(source: unknown, target: unknown, path: string, out: JsonPathDiff[], limit: number): void {
  if (out.length >= limit) return;
  if (isPlainObject(source) && isPlainObject(target)) {
    const keys = [...new Set([...Object.keys(source), ...Object.keys(target)])].sort(compareCodePoints);
    for (const key of keys) {
      const inSource = source[key] !== undefined;
      const inTarget = target[key] !== undefined;
      if (inSource && !inTarget) out.push({ path: path + pathKey(key), change: "missing_in_target", source: source[key], target: undefined });
      else if (!inSource && inTarget) out.push({ path: path + pathKey(key), change: "extra_in_target", source: undefined, target: target[key] });
      else walk(source[key], target[key], path + pathKey(key), out, limit);
      if (out.length >= limit) return;
    }
    return;
  }
  if (Array.isArray(source) && Array.isArray(target)) {
    const length = Math.max(source.length, target.length);
    for (let i = 0; i < length && out.length < limit; i++) {
      if (i >= target.length) out.push({ path: `${path}[${i}]`, change: "missing_in_target", source: source[i], target: undefined });
      else if (i >= source.length) out.push({ path: `${path}[${i}]`, change: "extra_in_target", source: undefined, target: target[i] });
      else walk(source[i], target[i], `${path}[${i}]`, out, limit);
    }
    return;
  }
  if (canonicalJson(source, true) !== canonicalJson(target, true)) out.push({ path, change: "changed", source, target });
}

const RULE_FOR_CLASSIFICATION: Partial<Record<DiffClassification, keyof ColumnRules>> = {
  timestamp_precision: "timestampPrecision",
  numeric_scale: "numericScale",
  float_precision: "floatTolerance",
  json_key_order: "jsonNormalize",
  trailing_spaces: "trailingSpaces",
  null_vs_empty: "nullEqualsEmpty",
};

const RULE_ORDER: (keyof ColumnRules)[] = ["timestampPrecision", "numericScale", "floatTolerance", "jsonNormalize", "trailingSpaces", "nullEqualsEmpty"];

/** The rule to credit for making two different values equal: the one matching the difference, else the first. */
function creditedRule(rules: ColumnRules, classification: DiffClassification): string {
  const key = RULE_FOR_CLASSIFICATION[classification];
  const matching = key ? (rules[key] as { ruleId: string } | null) : null;
  if (matching) return matching.ruleId;
  if (classification === "null_vs_empty" && rules.trailingSpaces) return rules.trailingSpaces.ruleId;
  for (const name of RULE_ORDER) {
    const rule = rules[name] as { ruleId: string } | null;
    if (rule) return rule.ruleId;
  }
  return "";
}

const byField = (a: FieldDiff, b: FieldDiff) => compareCodePoints(a.field, b.field);

export interface CompareOptions {
  /** Column types when known (the reconciliation engine reads them from the catalog); default "auto". */
  columnTypes?: Record<string, ColumnType>;
  /**
   * Only which fields differ and which rules ignored a difference (`fieldDiffs` left empty): ingestion needs no
   * more, and the classification and canonical forms shown in the UI cost most of a comparison.
   */
  fieldsOnly?: boolean;
}

/**
 * Compares a source (PostgreSQL) row with a target (CockroachDB) row under the rules. A null row is an absent
 * row. `rules` may be a resolver from `createRuleResolver` to reuse resolution across many rows.
 */
export function compareRows(
  table: string,
  sourceRow: Row | null,
  targetRow: Row | null,
  rules: readonly NormalizationRule[] | RuleResolver,
  now: Date = new Date(),
  options: CompareOptions = {},
): RowComparison {
  if (!sourceRow || !targetRow) {
    if (!sourceRow && !targetRow) return { equal: true, kind: null, differingFields: [], ignored: [], fieldDiffs: [] };
    return {
      equal: false,
      kind: sourceRow ? "missing_in_target" : "extra_in_target",
      differingFields: [],
      ignored: [],
      fieldDiffs: [],
    };
  }
  const resolve = typeof rules === "function" ? rules : createRuleResolver(rules, now);
  // The union of both rows' fields, source order first, without a Set per row.
  const fields = Object.keys(sourceRow);
  for (const field of Object.keys(targetRow)) if (!isEnumerable.call(sourceRow, field)) fields.push(field);
  const ignored: IgnoredField[] = [];
  const fieldDiffs: FieldDiff[] = [];
  const differing: string[] = [];
  for (const field of fields) {
    const columnRules = resolve(table, field);
    const type = options.columnTypes?.[field] ?? "auto";
    const source = sourceRow[field];
    const target = targetRow[field];
    const present = field in sourceRow && field in targetRow;
    // Identical values skip canonicalization (most columns of a mismatching row are equal): ingestion compares ~50k rows/s.
    const rawEqual = present && (source === target || canonicalText(source, NO_RULES, type) === canonicalText(target, NO_RULES, type));
    if (rawEqual) continue;
    if (columnRules.ignore) {
      ignored.push({ field, ruleId: columnRules.ignore.ruleId });
      continue;
    }
    if (!present) {
      differing.push(field);
      if (options.fieldsOnly) continue;
      fieldDiffs.push({
        field,
        source,
        target,
        classification: "missing_field",
        sourceCanonical: canonicalText(source, columnRules, type),
        targetCanonical: canonicalText(target, columnRules, type),
      });
      continue;
    }
    // Without rules for the column, valuesEqual is the raw comparison that just failed.
    if (columnRules !== NO_RULES && valuesEqual(source, target, columnRules, type)) {
      ignored.push({ field, ruleId: creditedRule(columnRules, classifyDifference(source, target, type)) });
      continue;
    }
    differing.push(field);
    if (options.fieldsOnly) continue;
    const classification = classifyDifference(source, target, type);
    const diff: FieldDiff = {
      field,
      source,
      target,
      classification,
      sourceCanonical: canonicalText(source, columnRules, type),
      targetCanonical: canonicalText(target, columnRules, type),
    };
    const sourceJson = asJsonDocument(source);
    const targetJson = asJsonDocument(target);
    if (sourceJson !== undefined && targetJson !== undefined) diff.jsonDiffs = diffJson(sourceJson, targetJson);
    fieldDiffs.push(diff);
  }
  if (fieldDiffs.length > 1) fieldDiffs.sort(byField);
  const differingFields = differing.length > 1 ? differing.sort(compareCodePoints) : differing;
  const equal = differingFields.length === 0;
  return { equal, kind: equal ? null : "value_mismatch", differingFields, ignored, fieldDiffs };
}
