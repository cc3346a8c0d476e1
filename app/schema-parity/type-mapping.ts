import type { SnapshotColumn } from "../reconciliation/catalog-snapshot";

/**
 * How a PostgreSQL column type maps onto its CockroachDB counterpart, so that the differences the engine itself
 * introduces are not reported as drift (CockroachDB docs, "Data types" and "PostgreSQL compatibility"):
 * - INT is INT8 by default (`default_int_size` = 8): an INT4 source column becomes INT8; a wider target is fine.
 * - STRING is TEXT; VARCHAR(n) is STRING(n) and prints as `character varying(n)`.
 * - JSON is an alias of JSONB.
 * - SERIAL becomes INT8 DEFAULT unique_rowid() (serial_normalization = rowid): see idGenerator().
 * - Collations: CockroachDB only knows ICU locales, so a libc collation (`en_US.utf8`, "C") has no counterpart.
 * Everything else must match, and a target type that would truncate or reject a value the source accepts is drift.
 */

export type TypeVerdict =
  | { kind: "same" }
  /** An expected engine difference: shown nowhere. */
  | { kind: "mapped"; note: string }
  /** The target cannot hold every value the source can. */
  | { kind: "narrower"; why: string }
  /** A different type altogether. */
  | { kind: "different"; why: string };

interface ParsedType {
  family: string;
  /** Bits for integers/floats, length for strings, precision for timestamps; null when unbounded. */
  size: number | null;
  scale: number | null;
  array: boolean;
}

const INT_BITS: Record<string, number> = { smallint: 16, integer: 32, bigint: 64 };

/** format_type() text → family and bounds. */
export function parseType(formatted: string): ParsedType {
  let t = formatted.toLowerCase().trim();
  const array = t.endsWith("[]");
  if (array) t = t.slice(0, -2);
  if (t in INT_BITS) return { family: "integer", size: INT_BITS[t], scale: null, array };
  if (t === "real") return { family: "float", size: 32, scale: null, array };
  if (t === "double precision") return { family: "float", size: 64, scale: null, array };
  let m = /^(character varying|varchar|character|char|bpchar)(?:\((\d+)\))?$/.exec(t);
  if (m) {
    const fixed = m[1] === "character" || m[1] === "char" || m[1] === "bpchar";
    return { family: fixed ? "char" : "text", size: m[2] ? Number(m[2]) : fixed ? 1 : null, scale: null, array };
  }
  if (t === "text" || t === "string" || t === "name") return { family: "text", size: null, scale: null, array };
  m = /^numeric(?:\((\d+)(?:,(\d+))?\))?$/.exec(t);
  if (m) return { family: "numeric", size: m[1] ? Number(m[1]) : null, scale: m[1] ? Number(m[2] ?? 0) : null, array };
  m = /^(timestamp|time)(?:\((\d)\))? (with|without) time zone$/.exec(t);
  if (m) return { family: `${m[1]} ${m[3]} time zone`, size: m[2] !== undefined ? Number(m[2]) : 6, scale: null, array };
  if (t === "json" || t === "jsonb") return { family: "jsonb", size: null, scale: null, array };
  return { family: t, size: null, scale: null, array };
}

/** Compares a source column's type with the target's under the PostgreSQL → CockroachDB mapping. */
export function compareTypes(source: Pick<SnapshotColumn, "type">, target: Pick<SnapshotColumn, "type">): TypeVerdict {
  if (source.type === target.type) return { kind: "same" };
  const s = parseType(source.type);
  const t = parseType(target.type);
  if (s.array !== t.array || s.family !== t.family) {
    // A char(n) source is still text to the target; only its padding compares differently.
    if (!s.array && !t.array && s.family === "char" && t.family === "text" && t.size === null) return { kind: "mapped", note: "char(n) kept as STRING" };
    return { kind: "different", why: `${source.type} on the source but ${target.type} on the target` };
  }
  const label = `${source.type} → ${target.type}`;
  switch (s.family) {
    case "integer":
    case "float":
      return t.size! >= s.size!
        ? { kind: "mapped", note: `${label}: CockroachDB's default INT/FLOAT size` }
        : { kind: "narrower", why: `${label} would overflow or lose precision` };
    case "text":
    case "char":
      if (t.size === null || (s.size !== null && t.size >= s.size)) return { kind: "mapped", note: `${label}: STRING` };
      return { kind: "narrower", why: `${label} would reject strings longer than ${t.size}` };
    case "numeric": {
      if (t.size === null) return { kind: "mapped", note: label };
      if (s.size === null) return { kind: "narrower", why: `${label} would reject or round numbers beyond numeric(${t.size},${t.scale})` };
      if (t.scale! < s.scale!) return { kind: "narrower", why: `${label} would round away ${s.scale! - t.scale!} decimal digit(s)` };
      if (t.size! - t.scale! < s.size! - s.scale!)
        return { kind: "narrower", why: `${label} would reject numbers with more than ${t.size! - t.scale!} integer digits` };
      return { kind: "mapped", note: label };
    }
    case "jsonb":
      return { kind: "mapped", note: "JSON is JSONB on CockroachDB" };
    default:
      if (s.family.startsWith("time")) {
        return t.size! >= s.size! ? { kind: "mapped", note: label } : { kind: "narrower", why: `${label} would cut fractional seconds to ${t.size} digits` };
      }
      return { kind: "different", why: `${source.type} on the source but ${target.type} on the target` };
  }
}

export type IdGenerator = "sequence" | "uuid" | "none" | "other";

/**
 * How a default generates values. nextval (SERIAL), identity and unique_rowid() all hand out integer ids from
 * the database: the expected SERIAL mapping. A side that generates ids another way (or not at all) is drift.
 */
export function idGenerator(column: Pick<SnapshotColumn, "default" | "identity">): IdGenerator {
  if (column.identity) return "sequence";
  const d = column.default?.toLowerCase() ?? "";
  if (!d) return "none";
  if (/^nextval\(|unique_rowid\(\)|unordered_unique_rowid\(\)/.test(d)) return "sequence";
  if (/gen_random_uuid\(\)|uuid_generate_v4\(\)|uuid_v4\(\)/.test(d)) return "uuid";
  return "other";
}

/** Defaults that only differ in how each engine prints them: casts, quoting, a function's spelling. */
export function normalizeDefault(expression: string | null): string | null {
  if (expression === null) return null;
  return expression
    .toLowerCase()
    .replace(/::[a-z ]+(\(\d+(,\d+)?\))?(\[\])?/g, "")
    .replace(/\bcurrent_timestamp\b(\(\))?|\bnow\(\)|transaction_timestamp\(\)/g, "now()")
    .replace(/[()\s]/g, "");
}

/** A libc collation CockroachDB cannot have (it supports ICU locales only). */
export function collationWithoutCounterpart(collation: string | null): boolean {
  return collation !== null && (/\.utf-?8$/i.test(collation) || collation === "C" || collation === "POSIX");
}
