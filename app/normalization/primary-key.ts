/**
 * One identity for a row, whatever reported it: a primary key as its columns in key order, each with its canonical
 * text (canonicalText under no rules, typed from the catalog when the table is known). Ingestion, the migration of
 * stored records and the application-side client all go through here. Pure module: relative imports only.
 */
import { canonicalText, compareCodePoints } from "./canonical";
import { columnFamily, type SqlColumn } from "./sql";
import { NO_RULES, type ColumnType } from "./types";

/** What identity needs to know of a table: its key columns in key order, typed. */
export interface KeyShape {
  columns: { name: string; type: ColumnType }[];
}

/** A key column's value as reported: what JSON carries (and bigint, which the client's drivers return). */
export type KeyScalar = string | number | boolean | bigint;
export type PrimaryKeyInput = KeyScalar | Record<string, KeyScalar>;

/** A canonical key: column -> value (integers as JSON numbers while exact, everything else as canonical text). */
export type CanonicalKey = Record<string, string | number>;

/** The column a bare key is taken to be when the catalog cannot say (no table of that name, source unreachable). */
export const FALLBACK_KEY_COLUMN = "id";

export function isKeyScalar(value: unknown): value is KeyScalar {
  switch (typeof value) {
    case "string":
      return value.length > 0;
    case "number":
      return Number.isFinite(value);
    case "boolean":
    case "bigint":
      return true;
    default:
      return false;
  }
}

/** Why a reported key is not a scalar or an object of scalars (null when it is one). */
export function primaryKeyProblem(value: unknown): string | null {
  if (isKeyScalar(value)) return null;
  if (typeof value === "object" && value !== null && !Array.isArray(value)) {
    const entries = Object.entries(value);
    if (entries.length === 0) return "must name at least one key column";
    for (const [column, item] of entries) {
      if (column.length === 0) return "key column names cannot be empty";
      if (!isKeyScalar(item)) return `column ${JSON.stringify(column)} must be a non-empty string, a finite number or a boolean`;
    }
    return null;
  }
  return 'must be a scalar (42, "a1") or an object of scalars ({"school_id": 7, "id": 42})';
}

/** The key shape of a table as the catalog describes it (reconciliation's CatalogTable fits), or null without a key. */
export function keyShapeOf(table: { primaryKey: string[]; columns: ({ name: string } & SqlColumn)[] } | null): KeyShape | null {
  if (!table || table.primaryKey.length === 0) return null;
  const byName = new Map(table.columns.map((c) => [c.name, c]));
  return {
    columns: table.primaryKey.map((name) => {
      const column = byName.get(name);
      return { name, type: column ? columnTypeOf(column) : "auto" };
    }),
  };
}

/** The canonical forms' type for a catalog column: enums, arrays and unknown types compare as their text. */
function columnTypeOf(column: SqlColumn): ColumnType {
  const family = columnFamily(column);
  switch (family) {
    case "jsonb":
      return "json";
    case "array":
    case "enum":
    case "other":
      return "text";
    default:
      return family;
  }
}

function canonicalValue(value: unknown, type: ColumnType): string | number {
  // The common key, a JS integer, is its own canonical form (ingestion canonicalises every record's key).
  if (typeof value === "number" && (type === "integer" || type === "auto") && Number.isInteger(value) && Math.abs(value) < 1e15) {
    return value === 0 ? 0 : value;
  }
  const text = canonicalText(value, NO_RULES, type) ?? "";
  // Integers stay JSON numbers while a double holds them exactly, so a stored key reads as {"id": 42}.
  if ((type === "integer" || (type === "auto" && (typeof value === "number" || typeof value === "bigint"))) && /^-?\d{1,15}$/.test(text)) {
    return Number(text);
  }
  return text;
}

/**
 * The canonical key of a reported one: a bare value is the table's single key column (or `id` when the catalog
 * cannot say), an object keeps its columns, in key order when they are the table's key columns (else sorted).
 * The caller has checked it with primaryKeyProblem.
 */
export function canonicalPrimaryKey(key: unknown, shape: KeyShape | null): CanonicalKey {
  const canonical: CanonicalKey = {};
  if (typeof key !== "object" || key === null) {
    const column = shape?.columns.length === 1 ? shape.columns[0] : { name: FALLBACK_KEY_COLUMN, type: "auto" as const };
    canonical[column.name] = canonicalValue(key, column.type);
    return canonical;
  }
  const given = key as Record<string, unknown>;
  const names = Object.keys(given);
  if (shape && names.length === shape.columns.length && shape.columns.every((c) => c.name in given)) {
    for (const column of shape.columns) canonical[column.name] = canonicalValue(given[column.name], column.type);
    return canonical;
  }
  if (names.length > 1) names.sort();
  for (const name of names) canonical[name] = canonicalValue(given[name], shape?.columns.find((c) => c.name === name)?.type ?? "auto");
  return canonical;
}

/**
 * The text a key's identity is hashed from: every value as canonical text, columns sorted, so `42`, `"42"` and
 * `{"id": 42}` are one identity, and a record keeps it whether or not the catalog gave the key order that day.
 */
export function primaryKeyIdentity(key: CanonicalKey): string {
  const names = Object.keys(key);
  // canonicalJson's output for an object of strings, written directly: no intermediate object per record.
  if (names.length > 1) names.sort(compareCodePoints);
  let out = "{";
  for (const name of names) out += `${out.length > 1 ? "," : ""}${JSON.stringify(name)}:${JSON.stringify(String(key[name]))}`;
  return `${out}}`;
}

/** A key for people: `42` for one column, `school_id=7, id=42` for several, in the order given. */
export function primaryKeyLabel(key: unknown): string {
  if (typeof key !== "object" || key === null) return String(key);
  const entries = Object.entries(key as Record<string, unknown>);
  if (entries.length === 1) return String(entries[0][1]);
  return entries.map(([name, value]) => `${name}=${typeof value === "string" ? value : JSON.stringify(value)}`).join(", ");
}
