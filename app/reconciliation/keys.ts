import type { CatalogColumn } from "./catalog";
import type { Dialect } from "./dialect";
import { quoteIdent } from "./dialect";

/** A primary-key value as text (one entry per key column), the form keys travel in: JSON-safe, checkpointable. */
export type KeyTuple = string[];

const INTEGER = new Set(["int2", "int4", "int8"]);
const TEXTUAL = new Set(["text", "varchar", "bpchar", "name", "citext", "char"]);

/** Text keys are ordered by bytes on both engines: COLLATE "C" on PostgreSQL; CockroachDB strings already are. */
export function orderExpression(ref: string, column: CatalogColumn, dialect: Dialect): string {
  return TEXTUAL.has(column.typeName) && dialect === "postgres" ? `${ref} collate "C"` : ref;
}

/** The key columns as an SQL row, in the byte order both engines agree on: `("a" collate "C", "b")`. */
export function keyRow(keyColumns: CatalogColumn[], dialect: Dialect): string {
  return `(${keyColumns.map((c) => orderExpression(quoteIdent(c.name), c, dialect)).join(", ")})`;
}

/**
 * A typed parameter row `(cast($3::text as bigint), ...)` comparing like keyRow. Parameters always travel as
 * text and are cast by the server: a parameter typed jsonb or bytea would be re-encoded by postgres.js.
 */
export function paramRow(keyColumns: CatalogColumn[], dialect: Dialect, firstIndex: number): string {
  return `(${keyColumns.map((c, i) => orderExpression(`cast($${firstIndex + i}::text as ${c.type})`, c, dialect)).join(", ")})`;
}

/** The key columns selected as text. */
export function keyTextList(keyColumns: CatalogColumn[]): string {
  return keyColumns.map((c) => `(${quoteIdent(c.name)})::text`).join(", ");
}

/** `order by` list matching keyRow. */
export function keyOrder(keyColumns: CatalogColumn[], dialect: Dialect, qualifier = ""): string {
  // qualified in outer queries: a bare name would resolve to the `::text` output column of the same name
  return keyColumns.map((c) => orderExpression(qualifier + quoteIdent(c.name), c, dialect)).join(", ");
}

/**
 * Compares two keys (as text) the way the databases order them, so the merge walk agrees with ORDER BY.
 * Integers numerically, text by UTF-8 bytes, numeric by value; other key types (uuid, dates, timestamps in
 * ISO form, booleans) order like their text.
 */
export function keyComparator(keyColumns: CatalogColumn[]): (a: KeyTuple, b: KeyTuple) => number {
  const parts = keyColumns.map((c) => partComparator(c.typeName));
  return (a, b) => {
    for (let i = 0; i < parts.length; i++) {
      const d = parts[i](a[i], b[i]);
      if (d !== 0) return d;
    }
    return 0;
  };
}

function partComparator(typeName: string): (a: string, b: string) => number {
  if (INTEGER.has(typeName)) {
    return (a, b) => {
      // fast path: both fit a double exactly
      if (a.length < 16 && b.length < 16) return Number(a) - Number(b);
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    };
  }
  if (typeName === "numeric") return compareDecimal;
  if (TEXTUAL.has(typeName)) return (a, b) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
  return (a, b) => (a < b ? -1 : a > b ? 1 : 0);
}

/** Compares plain decimal strings ("-12.50", "3") by value. */
export function compareDecimal(a: string, b: string): number {
  const na = a.startsWith("-");
  const nb = b.startsWith("-");
  if (na !== nb) return na ? -1 : 1;
  const sign = na ? -1 : 1;
  const [ai, af = ""] = a.replace("-", "").split(".");
  const [bi, bf = ""] = b.replace("-", "").split(".");
  const ia = ai.replace(/^0+/, "");
  const ib = bi.replace(/^0+/, "");
  if (ia.length !== ib.length) return sign * (ia.length - ib.length);
  if (ia !== ib) return sign * (ia < ib ? -1 : 1);
  const len = Math.max(af.length, bf.length);
  const fa = af.padEnd(len, "0");
  const fb = bf.padEnd(len, "0");
  return fa === fb ? 0 : sign * (fa < fb ? -1 : 1);
}

export function keyString(key: KeyTuple): string {
  return JSON.stringify(key);
}
