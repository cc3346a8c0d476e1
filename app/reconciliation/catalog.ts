import type postgres from "postgres";
import { readCatalogSnapshot, type CatalogColumn } from "./catalog-snapshot";
import type { Dialect } from "./dialect";

export type { CatalogColumn };

export interface CatalogTable {
  schema: string;
  name: string;
  columns: CatalogColumn[];
  /** Primary-key column names in key order; empty when the table has none. */
  primaryKey: string[];
}

export interface CatalogSide {
  dialect: Dialect;
  /** server_version_num: PostgreSQL 12 lacks functions the generated SQL prefers (trim_scale). */
  versionNum: number;
  table: CatalogTable | null;
}

/** Tables a picker can offer: every ordinary table outside the system schemas. */
export async function listTables(sql: postgres.Sql): Promise<{ schema: string; name: string }[]> {
  // information_schema.tables exists with the same columns on both engines; CockroachDB also lists crdb_internal.
  const rows = await sql<{ schema: string; name: string }[]>`
    select table_schema as schema, table_name as name
    from information_schema.tables
    where table_type = 'BASE TABLE'
      and table_schema not in ('pg_catalog', 'information_schema', 'crdb_internal', 'pg_extension')
      and table_schema not like 'pg\_%'
    order by 1, 2`;
  return rows.map((r) => ({ schema: r.schema, name: r.name }));
}

/**
 * Describe one table from the catalogs, or null when it does not exist on this side: the whole-database catalog
 * reader (catalog-snapshot.ts) scoped to one table, so reconciliation, backfill and schema parity read a table
 * the same way.
 */
export async function describeTable(sql: postgres.Sql, schema: string, table: string): Promise<CatalogSide> {
  const snapshot = await readCatalogSnapshot(sql, { schema, table });
  const found = snapshot.tables[0];
  if (found) return { dialect: snapshot.dialect, versionNum: snapshot.versionNum, table: found };
  // pg_attribute lists no row for a table with no columns; tell "missing" from "empty" by information_schema.
  const [exists] = await sql`
    select 1 from information_schema.tables where table_schema = ${schema} and table_name = ${table}`;
  return { dialect: snapshot.dialect, versionNum: snapshot.versionNum, table: exists ? { schema, name: table, columns: [], primaryKey: [] } : null };
}

/** A schema difference that is reported as data, never thrown. */
export interface SchemaDrift {
  kind: "missing_table" | "no_primary_key" | "primary_key_differs" | "column_missing" | "column_type_differs";
  side: "source" | "target" | "both";
  column?: string;
  message: string;
  /** Blocking drift stops the comparison; column drift only narrows the compared columns. */
  blocking: boolean;
}

export interface ComparablePlan {
  drift: SchemaDrift[];
  /** Columns present on both sides, key columns first, in source order. */
  columns: { name: string; source: CatalogColumn; target: CatalogColumn }[];
  primaryKey: string[];
  source: CatalogTable | null;
  target: CatalogTable | null;
}

/** Compare both sides' descriptions; the result says what can be compared and what drifted. */
export function compareSchemas(source: CatalogTable | null, target: CatalogTable | null, label: string): ComparablePlan {
  const drift: SchemaDrift[] = [];
  const plan: ComparablePlan = { drift, columns: [], primaryKey: [], source, target };
  if (!source || !target) {
    const side = !source && !target ? "both" : !source ? "source" : "target";
    drift.push({
      kind: "missing_table",
      side,
      blocking: true,
      message: `table ${label} does not exist on the ${side === "both" ? "source or the target" : side}`,
    });
    return plan;
  }
  for (const [side, t] of [
    ["source", source],
    ["target", target],
  ] as const) {
    if (t.primaryKey.length === 0) {
      drift.push({ kind: "no_primary_key", side, blocking: true, message: `table ${label} has no primary key on the ${side}: rows cannot be matched` });
    }
  }
  if (source.primaryKey.length && target.primaryKey.length && source.primaryKey.join("\u0000") !== target.primaryKey.join("\u0000")) {
    drift.push({
      kind: "primary_key_differs",
      side: "both",
      blocking: true,
      message: `primary key of ${label} differs: source (${source.primaryKey.join(", ")}) vs target (${target.primaryKey.join(", ")})`,
    });
  }
  const targetByName = new Map(target.columns.map((c) => [c.name, c]));
  const sourceNames = new Set(source.columns.map((c) => c.name));
  for (const s of source.columns) {
    const t = targetByName.get(s.name);
    if (!t) {
      drift.push({ kind: "column_missing", side: "target", column: s.name, blocking: false, message: `column ${s.name} (${s.type}) is missing on the target` });
      continue;
    }
    if (comparableType(s) !== comparableType(t)) {
      drift.push({
        kind: "column_type_differs",
        side: "both",
        column: s.name,
        blocking: false,
        message: `column ${s.name} is ${s.type} on the source but ${t.type} on the target`,
      });
    }
    plan.columns.push({ name: s.name, source: s, target: t });
  }
  for (const t of target.columns) {
    if (!sourceNames.has(t.name)) {
      drift.push({ kind: "column_missing", side: "source", column: t.name, blocking: false, message: `column ${t.name} (${t.type}) is missing on the source` });
    }
  }
  plan.primaryKey = drift.some((d) => d.blocking) ? [] : source.primaryKey;
  // Key columns lead, so every query can select them first.
  plan.columns.sort((a, b) => keyIndex(plan.primaryKey, a.name) - keyIndex(plan.primaryKey, b.name));
  return plan;
}

function keyIndex(key: string[], name: string): number {
  const i = key.indexOf(name);
  return i === -1 ? key.length : i;
}

/**
 * Type identity across engines: CockroachDB spells some types differently in format_type (e.g. "bigint" for
 * every INT, "text" for STRING), so widths of integers and varchar lengths are not drift; everything else is.
 */
export function comparableType(column: CatalogColumn): string {
  const t = column.type.toLowerCase();
  if (/^(smallint|integer|bigint)$/.test(t)) return "integer";
  if (/^(character varying|varchar|text)(\(\d+\))?$/.test(t)) return "text";
  return t;
}

export async function describeBothSides(source: postgres.Sql, target: postgres.Sql, schema: string, table: string) {
  const [s, t] = await Promise.all([describeTable(source, schema, table), describeTable(target, schema, table)]);
  return {
    sourceDialect: s.dialect,
    targetDialect: t.dialect,
    sourceVersionNum: s.versionNum,
    targetVersionNum: t.versionNum,
    plan: compareSchemas(s.table, t.table, `${schema}.${table}`),
  };
}
