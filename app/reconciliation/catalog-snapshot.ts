import type postgres from "postgres";
import type { CatalogColumn } from "./catalog";
import { detectServer, type Dialect } from "./dialect";

/**
 * A whole database's catalog in a handful of queries (one per catalog, never one per table), for schema parity:
 * 2,000 tables of 30 columns must be read in well under half a second. Every query uses pg_catalog tables and
 * functions that CockroachDB documents as supported (pg_class, pg_namespace, pg_attribute, pg_attrdef, pg_type,
 * pg_constraint, pg_index, pg_enum, pg_collation; format_type, pg_get_expr, pg_get_indexdef): it emulates them on
 * top of its own descriptors. Tested here only on PostgreSQL and on the CockroachDB stand-in (which is PostgreSQL).
 */

export interface SnapshotColumn extends CatalogColumn {
  /** The default's expression as the engine prints it (pg_get_expr), or null. */
  default: string | null;
  /** GENERATED ... AS IDENTITY. */
  identity: boolean;
  /** A collation other than the type's default, or null. */
  collation: string | null;
}

export interface SnapshotIndex {
  name: string;
  columns: string[];
  unique: boolean;
  partial: boolean;
}

export interface SnapshotForeignKey {
  name: string;
  columns: string[];
  references: { schema: string; table: string; columns: string[] };
}

export interface SnapshotTable {
  schema: string;
  name: string;
  columns: SnapshotColumn[];
  /** Key columns in key order; empty when the table has none (CockroachDB's hidden rowid counts as none). */
  primaryKey: string[];
  /** Unique constraints and unique indexes (other than the primary key), by their columns. */
  uniques: SnapshotIndex[];
  /** Other indexes. */
  indexes: SnapshotIndex[];
  foreignKeys: SnapshotForeignKey[];
}

export interface CatalogSnapshot {
  dialect: Dialect;
  /** server_version_num: queries that differ between PostgreSQL majors branch on it. */
  versionNum: number;
  tables: SnapshotTable[];
  enums: { schema: string; name: string; labels: string[] }[];
  sequences: { schema: string; name: string }[];
}

// CockroachDB also lists crdb_internal and pg_extension as schemas; neither holds application tables.
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "crdb_internal", "pg_extension", "pg_toast"];

/** Reads every application table (or only `scope`) with its columns, keys, indexes, foreign keys, enums, sequences. */
export async function readCatalogSnapshot(sql: postgres.Sql, scope?: { schema: string; table: string }): Promise<CatalogSnapshot> {
  const { dialect, versionNum } = await detectServer(sql);
  const only = (ns: string, rel: string) =>
    scope ? sql`and ${sql.unsafe(ns)}.nspname = ${scope.schema} and ${sql.unsafe(rel)}.relname = ${scope.table}` : sql``;
  const system = sql`not in ${sql(SYSTEM_SCHEMAS)} and n.nspname not like 'pg\_temp%'`;

  const [columns, constraints, indexes, enums, sequences, hidden] = await Promise.all([
    sql<{ relid: number; schema: string; table: string; name: string; num: number; type: string; typname: string; elem: string | null; typtype: string; notnull: boolean; def: string | null; identity: string; collation: string | null }[]>`
      select c.oid::int8 as relid, n.nspname as schema, c.relname as table, a.attname as name, a.attnum::int as num,
             format_type(a.atttypid, a.atttypmod) as type, t.typname, e.typname as elem,
             coalesce(e.typtype, t.typtype)::text as typtype, a.attnotnull as notnull,
             pg_get_expr(d.adbin, d.adrelid) as def, coalesce(a.attidentity::text, '') as identity,
             case when a.attcollation <> 0 and a.attcollation <> t.typcollation then co.collname end as collation
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      join pg_catalog.pg_type t on t.oid = a.atttypid
      left join pg_catalog.pg_type e on e.oid = t.typelem and t.typcategory = 'A'
      left join pg_catalog.pg_attrdef d on d.adrelid = c.oid and d.adnum = a.attnum
      left join pg_catalog.pg_collation co on co.oid = a.attcollation
      where c.relkind in ('r', 'p') and n.nspname ${system} ${only("n", "c")}
      order by n.nspname, c.relname, a.attnum`,
    sql<{ relid: number; name: string; type: string; keys: number[]; refschema: string | null; reftable: string | null; refrelid: number | null; refkeys: number[] | null }[]>`
      select k.conrelid::int8 as relid, k.conname as name, k.contype::text as type, k.conkey::int4[] as keys,
             rn.nspname as refschema, r.relname as reftable, r.oid::int8 as refrelid, k.confkey::int4[] as refkeys
      from pg_catalog.pg_constraint k
      join pg_catalog.pg_class c on c.oid = k.conrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      left join pg_catalog.pg_class r on r.oid = k.confrelid and k.contype = 'f'
      left join pg_catalog.pg_namespace rn on rn.oid = r.relnamespace
      where k.contype in ('p', 'u', 'f') and n.nspname ${system} ${only("n", "c")}`,
    // indkey is an int2vector ("1 3"): read as text, since drivers do not decode it as an array.
    sql<{ relid: number; name: string; keys: string; unique: boolean; primary: boolean; partial: boolean }[]>`
      select i.indrelid::int8 as relid, ic.relname as name, i.indkey::text as keys, i.indisunique as unique,
             i.indisprimary as primary, i.indpred is not null as partial
      from pg_catalog.pg_index i
      join pg_catalog.pg_class ic on ic.oid = i.indexrelid
      join pg_catalog.pg_class c on c.oid = i.indrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where n.nspname ${system} ${only("n", "c")}`,
    scope
      ? Promise.resolve([])
      : sql<{ schema: string; name: string; labels: string[] }[]>`
      select n.nspname as schema, t.typname as name, array_agg(e.enumlabel::text order by e.enumsortorder) as labels
      from pg_catalog.pg_enum e
      join pg_catalog.pg_type t on t.oid = e.enumtypid
      join pg_catalog.pg_namespace n on n.oid = t.typnamespace
      where n.nspname ${system}
      group by 1, 2 order by 1, 2`,
    scope
      ? Promise.resolve([])
      : sql<{ schema: string; name: string }[]>`
      select n.nspname as schema, c.relname as name from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind = 'S' and n.nspname ${system} order by 1, 2`,
    // CockroachDB docs: a table created without a primary key gets a hidden `rowid` key column; hidden columns
    // are not the application's, so they are never compared and such a key counts as none.
    dialect === "cockroach"
      ? sql<{ schema: string; table: string; name: string }[]>`
          select table_schema as schema, table_name as table, column_name as name from information_schema.columns
          where is_hidden = 'YES' ${scope ? sql`and table_schema = ${scope.schema} and table_name = ${scope.table}` : sql``}`
      : Promise.resolve([]),
  ]);

  const hiddenNames = new Set(hidden.map((h) => `${h.schema}\u0000${h.table}\u0000${h.name}`));
  const tables = new Map<number, SnapshotTable>();
  const attnames = new Map<number, Map<number, string>>();
  for (const c of columns) {
    let table = tables.get(Number(c.relid));
    if (!table) {
      table = { schema: c.schema, name: c.table, columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
      tables.set(Number(c.relid), table);
      attnames.set(Number(c.relid), new Map());
    }
    attnames.get(Number(c.relid))!.set(c.num, c.name);
    if (hiddenNames.has(`${c.schema}\u0000${c.table}\u0000${c.name}`)) continue;
    table.columns.push({
      name: c.name,
      type: c.type,
      typeName: c.typname,
      elementTypeName: c.elem,
      kind: c.typtype,
      nullable: !c.notnull,
      position: c.num,
      default: c.def,
      identity: c.identity === "a" || c.identity === "d",
      collation: c.collation,
    });
  }
  const names = (relid: number, keys: number[]) => keys.map((k) => attnames.get(relid)?.get(k) ?? (k === 0 ? "(expression)" : `#${k}`));
  for (const k of constraints) {
    const table = tables.get(Number(k.relid));
    if (!table) continue;
    const cols = names(Number(k.relid), k.keys ?? []);
    if (k.type === "p") {
      table.primaryKey = cols.some((c) => hiddenNames.has(`${table.schema}\u0000${table.name}\u0000${c}`)) ? [] : cols;
    } else if (k.type === "u") {
      table.uniques.push({ name: k.name, columns: cols, unique: true, partial: false });
    } else if (k.refschema && k.reftable && k.refrelid !== null) {
      table.foreignKeys.push({ name: k.name, columns: cols, references: { schema: k.refschema, table: k.reftable, columns: names(Number(k.refrelid), k.refkeys ?? []) } });
    }
  }
  // The index behind a primary key or unique constraint carries the constraint's name on both engines.
  const constraintIndexes = new Set(constraints.filter((k) => k.type !== "f").map((k) => `${k.relid}\u0000${k.name}`));
  for (const i of indexes) {
    const table = tables.get(Number(i.relid));
    if (!table || i.primary || constraintIndexes.has(`${i.relid}\u0000${i.name}`)) continue;
    const index = { name: i.name, columns: names(Number(i.relid), i.keys.trim().split(/\s+/).filter(Boolean).map(Number)), unique: i.unique, partial: i.partial };
    (i.unique && !i.partial ? table.uniques : table.indexes).push(index);
  }
  return { dialect, versionNum, tables: [...tables.values()], enums: enums.map((e) => ({ ...e })), sequences: sequences.map((s) => ({ ...s })) };
}
