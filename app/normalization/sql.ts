/**
 * The canonical text of app/normalization/types.ts, computed inside the database: for a column (its type from
 * the catalog) and the rules in force, an SQL expression that yields exactly what `canonicalText` yields in JS
 * for the same value (NULL for SQL NULL). The reconciliation engine hashes these expressions on both sides, so
 * a checksum difference means a difference under the rules, never a formatting artefact.
 *
 * Only functions both PostgreSQL and CockroachDB document are used (to_char, encode, regexp_replace, rtrim,
 * json(b)_each/array_elements WITH ORDINALITY, to_json). Where CockroachDB needs another spelling the dialect
 * picks it; those branches follow CockroachDB's docs and are not exercised by the tests here (PostgreSQL only).
 * Pure module: relative imports only.
 */
import type { ColumnRules, RuleKind } from "./types";

export type SqlDialect = "postgres" | "cockroach";

/** What sql.ts needs to know about a column: pg_type names from the catalog. */
export interface SqlColumn {
  /** pg_type.typname: "int8", "numeric", "timestamptz", "_text" (arrays), "mood" (enum)... */
  typeName: string;
  /** For arrays, the element's typname. */
  elementTypeName?: string | null;
  /** pg_type.typtype ("e" = enum). */
  kind?: string;
}

/** How deep JSON objects/arrays are re-serialized in SQL; deeper levels keep the engine's own compact text. */
const JSON_DEPTH = 4;

const TEXT_TYPES = new Set(["text", "varchar", "bpchar", "name", "citext", "char"]);
const INTEGER_TYPES = new Set(["int2", "int4", "int8"]);
const FLOAT_TYPES = new Set(["float4", "float8"]);

/** The family a catalog type belongs to, in the canonical forms' terms. */
export function columnFamily(
  column: SqlColumn,
):
  | "text"
  | "uuid"
  | "boolean"
  | "integer"
  | "numeric"
  | "float"
  | "timestamptz"
  | "timestamp"
  | "date"
  | "json"
  | "jsonb"
  | "bytea"
  | "array"
  | "enum"
  | "other" {
  const t = column.typeName;
  if (column.elementTypeName || t.startsWith("_")) return "array";
  if (TEXT_TYPES.has(t)) return "text";
  if (INTEGER_TYPES.has(t)) return "integer";
  if (FLOAT_TYPES.has(t)) return "float";
  if (t === "numeric") return "numeric";
  if (t === "bool") return "boolean";
  if (t === "uuid") return "uuid";
  if (t === "timestamptz") return "timestamptz";
  if (t === "timestamp") return "timestamp";
  if (t === "date") return "date";
  if (t === "json") return "json";
  if (t === "jsonb") return "jsonb";
  if (t === "bytea") return "bytea";
  if (column.kind === "e") return "enum";
  return "other";
}

/**
 * Whether PostgreSQL's output function of the column's type prints its canonical text under `rules` (what
 * canonicalSql casts to text): integers, uuids, numerics without numeric_scale. Where the output function is
 * called anyway (concat_ws), the value can be handed over as it is.
 */
export function outputIsCanonical(column: SqlColumn, rules: ColumnRules): boolean {
  const family = columnFamily(column);
  return family === "integer" || family === "uuid" || (family === "numeric" && !rules.numericScale);
}

/**
 * SQL yielding the canonical text of `ref` (an already quoted column reference) under `rules`.
 * `ignore_column` is not handled here (the caller leaves the column out); `float_tolerance` cannot be a
 * canonical text (it is a numeric comparison), so a column under it yields its plain canonical text and the
 * caller compares it numerically.
 */
export function canonicalSql(
  ref: string,
  column: SqlColumn,
  rules: ColumnRules,
  dialect: SqlDialect = "postgres",
  /** false on PostgreSQL 12, which has no trim_scale. */
  hasTrimScale = dialect === "postgres",
): string {
  const family = columnFamily(column);
  let expr: string;
  switch (family) {
    case "text":
      // concat() goes through the output function, so char(n) keeps its padding as postgres.js returns it
      // (a ::text cast would strip it).
      expr = column.typeName === "bpchar" ? `(case when ${ref} is null then null else concat(${ref}) end)` : `(${ref})::text`;
      if (rules.trailingSpaces) expr = `rtrim(${expr}, ' ')`;
      break;
    case "uuid":
      // both engines print a uuid in lowercase (CockroachDB: https://www.cockroachlabs.com/docs/stable/uuid),
      // so no lower(): it was the costliest part of a row's text after to_char
      expr = `(${ref})::text`;
      break;
    case "boolean":
    case "integer":
    case "enum":
    case "other":
      expr = `(${ref})::text`;
      break;
    case "numeric":
      // trim_scale (PostgreSQL 13+) is the regexps' result at a fraction of their cost
      expr = rules.numericScale ? (hasTrimScale ? `(trim_scale(${ref}))::text` : trimScale(`(${ref})::text`)) : `(${ref})::text`;
      break;
    case "float":
      // float4 keeps its own shortest text (widening to float8 would print 1.100000023841858)
      expr = floatText(ref, Boolean(rules.numericScale));
      // PostgreSQL prints a float8 in [1e-4, 1e15) without exponent, exactly as JS does: one output call
      // instead of the exponent rewriting's several (float4 and CockroachDB keep the general form)
      if (dialect === "postgres" && column.typeName === "float8") {
        expr = `(case when abs(${ref}) >= 1e-4 and abs(${ref}) < 1e15 then (${ref})::text else ${expr} end)`;
      }
      break;
    case "timestamptz":
    case "timestamp": {
      const digits = rules.timestampPrecision?.digits ?? 6;
      // PostgreSQL: milliseconds and seconds are date_trunc units (whatever the session's zone, whose offsets are
      // whole seconds), and the truncated value takes the full-precision path, two thirds of to_char's cost
      const unit = dialect === "postgres" ? ({ 3: "milliseconds", 0: "second" } as Record<number, string>)[digits] : undefined;
      expr = unit
        ? `(case when ${ref} in ('infinity', '-infinity') then (${ref})::text else ${timestampText(`date_trunc('${unit}', ${ref})`, family === "timestamptz", 6, dialect)} end)`
        : timestampText(ref, family === "timestamptz", digits, dialect);
      break;
    }
    case "date":
      expr = `to_char(${ref}, 'YYYY-MM-DD')`;
      // PostgreSQL's own output of an AD date under DateStyle ISO (which the reconciliation engine sets) is the
      // same text at a fraction of to_char's cost; BC and infinite dates keep to_char's spelling
      if (dialect === "postgres") expr = `(case when ${ref} >= '0001-01-01' and ${ref} < 'infinity' then (${ref})::text else ${expr} end)`;
      break;
    case "bytea":
      expr = `'\\x' || encode(${ref}, 'hex')`;
      break;
    case "json":
      expr = jsonTop(ref, "json", Boolean(rules.jsonNormalize), dialect);
      break;
    case "jsonb":
      expr = jsonTop(ref, "jsonb", Boolean(rules.jsonNormalize), dialect);
      break;
    case "array":
      // postgres.js hands arrays to canonicalText as JS arrays, which are serialized as JSON arrays.
      expr = jsonText(`to_jsonb(${ref})`, "jsonb", JSON_DEPTH, Boolean(rules.jsonNormalize), dialect);
      break;
  }
  // canonicalText applies null_equals_empty to text only: no other type's canonical text can be empty
  if (rules.nullEqualsEmpty && family === "text") expr = `nullif(${expr}, '')`;
  return `(${expr})`;
}

/** SQL `trim_scale` spelled with regexps (CockroachDB has no trim_scale): 1.10 -> 1.1, 2.000 -> 2, -0.0 -> 0. */
function trimScale(text: string): string {
  const trimmed = `regexp_replace(regexp_replace(${text}, '(\\.[0-9]*?)0+$', '\\1'), '\\.$', '')`;
  return `(case when ${text} like '%.%' then (case when ${trimmed} = '-0' then '0' else ${trimmed} end) else ${text} end)`;
}

/**
 * ECMAScript Number#toString of a float8, from the engine's shortest round-trip text (PostgreSQL >= 12 and
 * CockroachDB both print shortest digits): the engines switch to exponent form outside [1e-4, 1e15) and pad
 * the exponent ("1e-07"), JS switches outside [1e-6, 1e21) and does not pad ("1e-7", "1e+21").
 * `plain` (numeric_scale) always expands to plain decimal digits.
 */
function floatText(value: string, plain: boolean): string {
  const t = `(${value})::text`;
  // mantissa digits without sign and point, the exponent, the sign
  const mantissa = `split_part(${t}, 'e', 1)`;
  const exponent = `(split_part(${t}, 'e', 2))::int`;
  const digits = `replace(replace(${mantissa}, '-', ''), '.', '')`;
  const sign = `(case when ${t} like '-%' then '-' else '' end)`;
  // the engines' mantissa always has exactly one digit before the point, so the value is 0.d * 10^(e+1)
  const pointAt = `(${exponent} + 1)`;
  const expanded =
    `${sign} || (case when ${pointAt} <= 0 then '0.' || repeat('0', -${pointAt}) || ${digits}` +
    ` when length(${digits}) > ${pointAt} then left(${digits}, ${pointAt}) || '.' || substr(${digits}, ${pointAt} + 1)` +
    ` else ${digits} || repeat('0', ${pointAt} - length(${digits})) end)`;
  const unpadded = `regexp_replace(${t}, 'e([-+])0*([0-9])', 'e\\1\\2')`;
  const jsRange = `(${exponent} between -6 and 20)`;
  const exp = plain ? expanded : `(case when ${jsRange} then ${expanded} else ${unpadded} end)`;
  // NaN, Infinity and -Infinity contain no "e" and pass through as spelled
  return `(case when ${t} like '%e%' then ${exp} when ${t} = '-0' then '0' else ${t} end)`;
}

/** `YYYY-MM-DDTHH:MM:SS.ffffff[Z]`, the fraction truncated to `digits` and padded back to 6. */
function timestampText(ref: string, withZone: boolean, digits: number, dialect: SqlDialect): string {
  const d = Math.max(0, Math.min(6, Math.trunc(digits)));
  // timestamptz is rendered in UTC whatever the session time zone
  const wall = withZone ? `(${ref} at time zone 'UTC')` : ref;
  const zone = withZone ? `"Z"` : "";
  // one to_char call at full precision: it is the costliest part of a row's canonical text
  const body =
    d === 6
      ? `to_char(${wall}, 'YYYY-MM-DD"T"HH24:MI:SS.US${zone}')`
      : `to_char(${wall}, 'YYYY-MM-DD"T"HH24:MI:SS.') || ${d === 0 ? `'000000'` : `rpad(left(to_char(${wall}, 'US'), ${d}), 6, '0')`}${withZone ? ` || 'Z'` : ""}`;
  // CockroachDB documents no infinite timestamps; PostgreSQL prints them as spelled, like canonicalText.
  if (dialect === "cockroach") return body;
  const general = `(case when ${ref} = 'infinity' then 'infinity' when ${ref} = '-infinity' then '-infinity' else ${body} end)`;
  if (d < 6) return general;
  // PostgreSQL's own output under DateStyle ISO (which the reconciliation engine sets), its space made a "T", costs
  // two thirds of to_char; where the year has 4 digits (AD 1-9999) it is the canonical text but for the trailing
  // fractional zeros it drops: as many as rounding the value to fewer digits leaves it unchanged
  const offset = withZone ? "+00" : "";
  const type = withZone ? "timestamptz" : "timestamp";
  const z = withZone ? "Z" : "";
  const zeros = [5, 4, 3, 2, 1, 0].map((p, i) => `when ${ref} <> (${ref})::${type}(${p}) then '${"0".repeat(i)}${z}'`);
  return (
    `(case when ${ref} >= '0001-01-01 00:00:00${offset}' and ${ref} < '10000-01-01 00:00:00${offset}'` +
    ` then replace((${wall})::text, ' ', 'T') || (case ${zeros.join(" ")} else '.000000${z}' end) else ${general} end)`
  );
}

/**
 * postgres.js parses a top-level JSON string or null into a JS string / null, which canonicalText keeps as
 * plain text / NULL; objects, arrays, numbers and booleans become compact JSON.
 */
function jsonTop(ref: string, flavour: "json" | "jsonb", normalize: boolean, dialect: SqlDialect): string {
  return (
    `(case ${flavour}_typeof(${ref}) when 'string' then ${ref} #>> '{}' when 'null' then null` +
    ` else ${jsonText(ref, flavour, JSON_DEPTH, normalize, dialect)} end)`
  );
}

/**
 * Compact JSON as JSON.stringify writes what postgres.js parsed: no whitespace, keys in the stored order (or
 * sorted by code point under json_normalize), numbers through JS number formatting (jsonb 1.10 is 1.1 in JS).
 * Re-serialized level by level with correlated subqueries (no functions may be created on a production
 * database); below JSON_DEPTH levels the engine's text is kept, minus its whitespace.
 */
function jsonText(ref: string, flavour: "json" | "jsonb", depth: number, normalize: boolean, dialect: SqlDialect): string {
  const f = flavour;
  const collate = dialect === "postgres" ? ` collate "C"` : "";
  if (depth === 0) {
    // whitespace outside string literals removed; string literals kept as written
    return `regexp_replace((${ref})::text, '("(?:[^"\\\\]|\\\\.)*")|[ \\t\\n\\r]+', '\\1', 'g')`;
  }
  const child = (v: string) => jsonText(v, f, depth - 1, normalize, dialect);
  const keyOrder = normalize ? `e.k${collate}` : `e.o`;
  const object =
    `coalesce((select '{' || string_agg(to_json(e.k)::text || ':' || ${child("e.v")}, ',' order by ${keyOrder}) || '}'` +
    ` from ${f}_each(${ref}) with ordinality as e(k, v, o)), '{}')`;
  const array =
    `coalesce((select '[' || string_agg(${child("a.v")}, ',' order by a.o) || ']'` + ` from ${f}_array_elements(${ref}) with ordinality as a(v, o)), '[]')`;
  const number = floatText(`(${ref} #>> '{}')::float8`, false);
  return `(case ${f}_typeof(${ref}) when 'object' then ${object} when 'array' then ${array}` + ` when 'number' then ${number} else (${ref})::text end)`;
}

type Family = ReturnType<typeof columnFamily>;
const NUMBER_FAMILIES = new Set<Family>(["integer", "numeric", "float"]);
/** The column families each rule kind has SQL for; elsewhere canonicalSql leaves the value as it is. */
const RULE_FAMILIES: Partial<Record<RuleKind, Set<Family>>> = {
  numeric_scale: NUMBER_FAMILIES,
  float_tolerance: NUMBER_FAMILIES,
  timestamp_precision: new Set<Family>(["timestamptz", "timestamp"]),
  json_normalize: new Set<Family>(["json", "jsonb", "array"]),
  trailing_spaces: new Set<Family>(["text"]),
  null_equals_empty: new Set<Family>(["text"]),
};

/**
 * Why the SQL twin cannot apply a rule to a column of this type, or null when it can. The TypeScript rules infer
 * a type from a value (a decimal-looking string is a number under numeric_scale, text starting with "{" is JSON
 * under json_normalize), the SQL twin goes by the column's catalog type: on another type the two would disagree,
 * so such a rule is refused when saved rather than applied by one side only.
 */
export function sqlTwinRefusal(kind: RuleKind, columnName: string, column: SqlColumn): string | null {
  const families = RULE_FAMILIES[kind];
  if (!families) return null;
  const family = columnFamily(column);
  if (families.has(family)) return null;
  return `${kind} cannot be applied by reconciliation to ${columnName}: its type on the source is ${column.typeName}, and the SQL twin of this rule only handles ${[...families].join(", ")} columns`;
}
