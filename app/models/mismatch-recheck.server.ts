import type postgres from "postgres";
import { compareRows, type RowComparison } from "../normalization";
import { listActiveRules } from "./normalization-rule.server";
import { guardReconciliationTable } from "./schema-guard.server";
import { redactError, sideSql, type Side } from "~/utils/databases.server";

export interface RecheckResult {
  stillDiffers: boolean;
  comparison: RowComparison;
  sourceFound: boolean;
  targetFound: boolean;
  checkedAt: string;
}

/** `schema.table` or `table` (current schema). */
function splitTable(table: string): { schema: string | null; name: string } {
  const dot = table.indexOf(".");
  return dot > 0 ? { schema: table.slice(0, dot), name: table.slice(dot + 1) } : { schema: null, name: table };
}

/**
 * The key as column -> value. A composite key arrives as an object; a scalar key is matched against the table's
 * single primary-key column, read from the catalog.
 */
async function keyColumns(sql: postgres.Sql, schema: string | null, name: string, key: unknown, known: Set<string>): Promise<Record<string, unknown>> {
  if (key !== null && typeof key === "object" && !Array.isArray(key)) {
    const entries = Object.entries(key as Record<string, unknown>);
    for (const [column] of entries) {
      if (!known.has(column)) throw new Response(`Key column ${column} does not exist on ${name}`, { status: 400 });
    }
    return Object.fromEntries(entries);
  }
  const primary = await sql`
    select k.column_name from information_schema.table_constraints t
    join information_schema.key_column_usage k
      on k.constraint_name = t.constraint_name and k.table_schema = t.table_schema and k.table_name = t.table_name
    where t.constraint_type = 'PRIMARY KEY' and t.table_name = ${name} and t.table_schema = coalesce(${schema}, current_schema())
    order by k.ordinal_position`;
  if (primary.length !== 1) throw new Response(`Cannot match a scalar key to ${name}: it has ${primary.length} primary-key columns`, { status: 400 });
  return { [primary[0].column_name]: key };
}

async function readRow(side: Side, table: string, key: unknown): Promise<Record<string, unknown> | null> {
  const sql = sideSql(side);
  const { schema: named, name } = splitTable(table);
  // An unqualified name is read from the current schema, never through the search path (pg_catalog comes first there).
  const schema = named ?? ((await sql`select current_schema() as s`)[0].s as string | null) ?? "public";
  const catalog = await sql`
    select column_name from information_schema.columns
    where table_name = ${name} and table_schema = coalesce(${schema}, current_schema()) order by ordinal_position`;
  if (catalog.length === 0) throw new Response(`Table ${name} does not exist on this database`, { status: 404 });
  const columns = catalog.map((c) => c.column_name as string);
  const where = await keyColumns(sql, schema, name, key, new Set(columns));
  // Every column read as its text form: postgres.js would turn timestamps into Dates (losing microseconds) and
  // JSON numbers lose numeric scale, exactly the differences a re-check must still see.
  const selectList = columns.map((column) => sql`${sql(column)}::text as ${sql(column)}`).reduce((all, item) => sql`${all}, ${item}`);
  const target = sql`${sql(schema)}.${sql(name)}`;
  // Identifiers were checked against the catalog and are quoted; key values are bound, compared as text so a
  // JSON number matches an int8 or numeric column alike.
  const conditions = Object.entries(where).reduce(
    (all, [column, value]) => sql`${all} and ${sql(column)}::text = ${value === null ? null : String(value)}`,
    sql`true`,
  );
  const rows = await sql`select ${selectList} from ${target} where ${conditions} limit 2`;
  return rows[0] ?? null;
}

/** Reads the row from both databases now and compares it under today's rules. */
export async function recheckMismatch(table: string, primaryKey: unknown): Promise<RecheckResult> {
  // a reported table name could name a catalog: re-checks read only what a reconciliation may read
  const { schema, name } = splitTable(table);
  const guard = await guardReconciliationTable({ schemaName: schema ?? "public", tableName: name });
  if (!guard.ok) throw new Response(guard.message, { status: 400 });
  try {
    const [source, target, rules] = await Promise.all([readRow("source", table, primaryKey), readRow("target", table, primaryKey), listActiveRules()]);
    const comparison = compareRows(table, source, target, rules);
    return { stillDiffers: !comparison.equal, comparison, sourceFound: source !== null, targetFound: target !== null, checkedAt: new Date().toISOString() };
  } catch (error) {
    if (error instanceof Response) throw error;
    throw new Response(`Re-check failed: ${redactError(error)}`, { status: 502 });
  }
}
