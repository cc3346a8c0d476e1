import type postgres from "postgres";
import { sideSql } from "~/utils/databases.server";

/*
 * Browsing the source's catalog: the tables, columns and foreign keys the Settings pickers and checks offer.
 * Every read goes through the source's read-only pool and names only catalog relations.
 */

export interface SourceTable {
  schema: string;
  name: string;
  estimate: number;
}

export interface SourceColumn {
  name: string;
  type: string;
  /** pg_type.typcategory: S string, N numeric, E enum, U user-defined (uuid, json), ... */
  category: string;
  typeName: string;
}

// Tables and materialized views (TABLESAMPLE needs one), never partitions on their own or system schemas.
const READABLE_TABLE = `c.relkind in ('r', 'p', 'm') and not c.relispartition
    and n.nspname <> 'information_schema' and n.nspname !~ '^pg_'
    and has_table_privilege(c.oid, 'select')`;
// A partitioned table has no statistics of its own: its estimate is the sum of its partitions'.
const TABLES_SQL = `
  select n.nspname as schema, c.relname as name, c.oid::int8 as oid,
    (case when c.relkind = 'p'
      then (select coalesce(sum(greatest(p.reltuples, 0)), 0) from pg_partition_tree(c.oid) t join pg_class p on p.oid = t.relid where t.isleaf)
      else c.reltuples end)::float8 as estimate
  from pg_class c join pg_namespace n on n.oid = c.relnamespace
  where ${READABLE_TABLE}`;

/** The source's readable tables for the picker (read through the read-only pool). */
export async function listSourceTables(limit = 2000): Promise<SourceTable[]> {
  const rows = await sideSql("source").unsafe<SourceTable[]>(`${TABLES_SQL} order by 1, 2 limit $1`, [limit]);
  return rows.map((r) => ({ schema: r.schema, name: r.name, estimate: Math.max(0, Number(r.estimate)) }));
}

export async function resolveTable(sql: postgres.Sql, schema: string, table: string) {
  const [row] = await sql.unsafe<{ oid: string; estimate: number }[]>(`${TABLES_SQL} and n.nspname = $1 and c.relname = $2`, [schema, table]);
  return row ? { oid: row.oid, estimate: Number(row.estimate) } : null;
}

export async function columnsOf(sql: postgres.Sql, oid: string): Promise<SourceColumn[]> {
  return sql.unsafe<SourceColumn[]>(
    `select a.attname as name, format_type(a.atttypid, a.atttypmod) as type, t.typcategory as category, t.typname as "typeName"
     from pg_attribute a join pg_type t on t.oid = a.atttypid
     where a.attrelid = $1 and a.attnum > 0 and not a.attisdropped order by a.attnum`,
    [oid],
  );
}

/** The columns of one source table for the pickers; null when there is no such readable table. */
export async function listSourceColumns(schema: string, table: string): Promise<SourceColumn[] | null> {
  const sql = sideSql("source");
  const rel = await resolveTable(sql, schema, table);
  return rel ? columnsOf(sql, rel.oid) : null;
}

export interface ActivityColumn {
  schema: string;
  table: string;
  column: string;
}

/** Columns elsewhere in the source that hold ids of the id column's type: the activity tables' user columns. */
export async function listActivityColumns(id: SourceColumn, users: { schema: string; table: string }, limit = 2000): Promise<ActivityColumn[]> {
  return sideSql("source").unsafe<ActivityColumn[]>(
    `select n.nspname as schema, c.relname as table, a.attname as column
     from pg_attribute a join pg_type t on t.oid = a.atttypid join pg_class c on c.oid = a.attrelid join pg_namespace n on n.oid = c.relnamespace
     where ${READABLE_TABLE} and a.attnum > 0 and not a.attisdropped
       and (t.typname = $1 or (t.typcategory = 'S' and $2 = 'S'))
       and not (n.nspname = $3 and c.relname = $4)
     order by 1, 2, 3 limit $5`,
    [id.typeName, id.category, users.schema, users.table, limit],
  );
}

/** Columns whose single-column foreign key points at `table`: the likely owner columns of rows. */
export async function listForeignKeyColumnsTo(
  table: { schema: string; table: string },
  limit = 200,
): Promise<{ schemaName: string; tableName: string; columnName: string }[]> {
  return sideSql("source")<{ schemaName: string; tableName: string; columnName: string }[]>`
    select n.nspname as "schemaName", c.relname as "tableName", a.attname as "columnName"
    from pg_catalog.pg_constraint k
    join pg_catalog.pg_class c on c.oid = k.conrelid join pg_catalog.pg_namespace n on n.oid = c.relnamespace
    join pg_catalog.pg_class f on f.oid = k.confrelid join pg_catalog.pg_namespace fn on fn.oid = f.relnamespace
    join pg_catalog.pg_attribute a on a.attrelid = k.conrelid and a.attnum = k.conkey[1]
    where k.contype = 'f' and cardinality(k.conkey) = 1 and fn.nspname = ${table.schema} and f.relname = ${table.table}
    order by 1, 2, 3 limit ${limit}`;
}
