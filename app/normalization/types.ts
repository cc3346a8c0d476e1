/**
 * Value normalization: how a PostgreSQL value and a CockroachDB value are compared, the same way in the server,
 * the reconciliation engine (app/normalization/sql.ts produces the same canonical text inside the databases)
 * and the application-side client. Pure module: relative imports only.
 *
 * ## Canonical text
 * `canonicalText(value, columnRules, type?)` maps a value to a string (or `null` for SQL NULL) such that two
 * values are equal under the rules iff their canonical texts are equal — except under `float_tolerance`, which
 * is a numeric comparison (|a - b| <= tolerance) and is applied by `valuesEqual` on top of the canonical texts.
 *
 * Forms, by column type (the `type` hint; `auto` infers it from the JS value, see below):
 * - NULL (`null` / `undefined`): `null`. With `null_equals_empty`, the empty string "" also maps to `null`
 *   (applied after `trailing_spaces`, so "   " maps to `null` when both rules apply).
 * - text / varchar / char / uuid: the string unchanged (uuid: lower-cased). With `trailing_spaces`, trailing
 *   U+0020 spaces are removed (exactly SQL `rtrim(x)`; tabs and newlines are kept).
 * - boolean: `true` / `false` (SQL `x::text`).
 * - integer (int2/4/8; int8 arrives from postgres.js as a string, from JS as number or bigint): plain decimal,
 *   `-` sign only, no leading zeros, `-0` is `0`.
 * - numeric: plain decimal text, never an exponent: optional `-`, the integer part without leading zeros
 *   (at least `0`), then `.` and the fractional digits *as given* (scale is significant: `1.10` != `1.1`);
 *   `-0.00` is `0.00`. With `numeric_scale`, trailing fractional zeros and a bare `.` are dropped (SQL
 *   `trim_scale`): `1.10` -> `1.1`, `2.000` -> `2`, `-0.0` -> `0`. `NaN`, `Infinity`, `-Infinity` as spelled.
 * - float (float4/8, and every non-integral JS number): ECMAScript `Number#toString` — shortest round-trip
 *   digits, exponent form `1e-7` / `1.5e+300` outside [1e-6, 1e21). PostgreSQL prints `1e-07`: sql.ts must strip
 *   exponent zero padding. `NaN`, `Infinity`, `-Infinity`; `-0` is `0`. With `numeric_scale` a float takes the
 *   numeric form (plain decimal, trailing zeros dropped) so 1.1 (float) equals "1.10" (numeric).
 * - timestamptz: UTC, `YYYY-MM-DDTHH:MM:SS.ffffffZ`, always exactly 6 fractional digits. With
 *   `timestamp_precision` N (0..6) the fraction is TRUNCATED to N digits and zero-padded back to 6
 *   (`.123456` at N=3 -> `.123000`): truncation, because a JS Date (what the application round-trips)
 *   truncates microseconds rather than rounding them (SQL: `date_trunc` + `to_char(... 'US')`).
 *   `infinity` / `-infinity` as spelled.
 * - timestamp (without time zone): the same without the `Z`, wall-clock time as given (no zone conversion).
 * - date: `YYYY-MM-DD`.
 * - json / jsonb (objects, arrays): compact JSON (no insignificant whitespace), keys in the order given; a json
 *   value given as text is kept verbatim. With `json_normalize`, text is parsed and object keys are sorted by
 *   Unicode code point (SQL `ORDER BY key COLLATE "C"`), recursively, then serialized compactly. Inside JSON,
 *   Dates become their timestamptz canonical string and Buffers their bytea canonical string; numbers use
 *   ECMAScript formatting (so a jsonb `1.10` read by JS is `1.1`: compare jsonb numbers via sql.ts when scale
 *   matters).
 * - bytea (Buffer / Uint8Array, or the `{type:"Buffer",data:[...]}` JSON of a Buffer): `\x` + lower-case hex
 *   (PostgreSQL's `bytea_output = hex`).
 * - arrays from postgres.js (int[], text[]) are treated as JSON arrays.
 *
 * `auto` type inference (used for values that arrive as JSON through the API, where types are lost): Date ->
 * timestamptz; string shaped like `YYYY-MM-DD[T ]HH:MM:SS[.f+]` -> timestamptz when it has a zone (`Z`, `+00`,
 * `+05:30`), timestamp when not; Buffer -> bytea; boolean -> boolean; bigint and integral numbers -> integer;
 * other numbers -> float; objects and arrays -> json; other strings -> text, except that under `numeric_scale`
 * a decimal-looking string is numeric and under `json_normalize` a string starting with `{` or `[` that parses
 * is json. The SQL side always knows the column type, so sql.ts must be matched against the typed forms.
 */
import type { RowMismatchKind } from "../mismatches/kinds";

export const RULE_KINDS = [
  "ignore_column",
  "timestamp_precision",
  "numeric_scale",
  "float_tolerance",
  "json_normalize",
  "trailing_spaces",
  "null_equals_empty",
] as const;
export type RuleKind = (typeof RULE_KINDS)[number];

export const RULE_KIND_LABELS: Record<RuleKind, string> = {
  ignore_column: "Ignore column",
  timestamp_precision: "Timestamp precision",
  numeric_scale: "Numeric scale (1.10 = 1.1)",
  float_tolerance: "Float tolerance",
  json_normalize: "JSON key order and whitespace",
  trailing_spaces: "Trailing spaces",
  null_equals_empty: "NULL equals empty string",
};

/** Fields every rule has. `table` and `column` may be "*" (any). */
export interface RuleBase {
  id: string;
  table: string;
  column: string;
  author: string;
  reason: string;
  /** ISO timestamp; null = never expires. An expired rule does not apply. */
  expiresAt: string | null;
}

export type NormalizationRule = RuleBase &
  (
    | { kind: "ignore_column" }
    | { kind: "timestamp_precision"; /** fractional digits compared, 0..6 */ digits: number }
    | { kind: "numeric_scale" }
    | { kind: "float_tolerance"; /** absolute: |a - b| <= tolerance */ tolerance: number }
    | { kind: "json_normalize" }
    | { kind: "trailing_spaces" }
    | { kind: "null_equals_empty" }
  );

/** The rules in force for one column, resolved from the rule list (most specific rule of each kind wins). */
export interface ColumnRules {
  ignore: { ruleId: string } | null;
  timestampPrecision: { ruleId: string; digits: number } | null;
  numericScale: { ruleId: string } | null;
  floatTolerance: { ruleId: string; tolerance: number } | null;
  jsonNormalize: { ruleId: string } | null;
  trailingSpaces: { ruleId: string } | null;
  nullEqualsEmpty: { ruleId: string } | null;
}

export const NO_RULES: ColumnRules = {
  ignore: null,
  timestampPrecision: null,
  numericScale: null,
  floatTolerance: null,
  jsonNormalize: null,
  trailingSpaces: null,
  nullEqualsEmpty: null,
};

export const COLUMN_TYPES = ["auto", "text", "uuid", "boolean", "integer", "numeric", "float", "timestamptz", "timestamp", "date", "json", "bytea"] as const;
export type ColumnType = (typeof COLUMN_TYPES)[number];

/** Why two raw values differ, type-aware; independent of the rules (so the UI can say "precision difference"). */
export const DIFF_CLASSIFICATIONS = [
  "timestamp_precision",
  "numeric_scale",
  "float_precision",
  "json_key_order",
  "trailing_spaces",
  "null_vs_empty",
  "missing_field",
  "value",
] as const;
export type DiffClassification = (typeof DIFF_CLASSIFICATIONS)[number];

/** What comparing two rows can find: the wire contract's kinds but `write_error`. */
export type MismatchKind = RowMismatchKind;

/** One leaf difference inside two JSON values; `path` is JSONPath-like: `$.a.b[2]`. */
export interface JsonPathDiff {
  path: string;
  change: "changed" | "missing_in_target" | "extra_in_target";
  source: unknown;
  target: unknown;
}

export interface FieldDiff {
  field: string;
  source: unknown;
  target: unknown;
  classification: DiffClassification;
  /** Canonical texts under the rules (what was actually compared). */
  sourceCanonical: string | null;
  targetCanonical: string | null;
  /** For JSON values: the differing leaves (capped). */
  jsonDiffs?: JsonPathDiff[];
}

export interface IgnoredField {
  field: string;
  ruleId: string;
}

export interface RowComparison {
  equal: boolean;
  kind: MismatchKind | null;
  /** Fields that still differ under the rules, sorted: the dedup signature of a mismatch. */
  differingFields: string[];
  /** Fields whose raw values differ but a rule made equal (or told us to ignore), with that rule. */
  ignored: IgnoredField[];
  /** One entry per differing field (still differing under the rules). */
  fieldDiffs: FieldDiff[];
}

export type Row = Record<string, unknown>;
