import type postgres from "postgres";
import { detectServer, type Dialect } from "./dialect";

/** One column as both catalogs describe it. */
export interface CatalogColumn {
  name: string;
  /** format_type() output, e.g. "numeric(12,2)", "timestamp with time zone", "text[]", "mood". */
  type: string;
  /** Base type name (pg_type.typname), e.g. "int8", "timestamptz", "_text" for arrays. */
  typeName: string;
  /** For arrays, the element's typname ("text" for "_text"); otherwise null. */
  elementTypeName: string | null;
  /** pg_type.typtype of the column (or array element): "e" for enums, "b" base, "d" domain. */
  kind: string;
  nullable: boolean;
  position: number;
}

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

/** A column as the catalog read sends it: name, attnum, atttypid, atttypmod, attcollation, NOT NULL, attidentity. */
type ColumnTuple = [string, number, number, number, number, boolean, string];

// CockroachDB also lists crdb_internal and pg_extension as schemas; neither holds application tables.
const SYSTEM_SCHEMAS = ["pg_catalog", "information_schema", "crdb_internal", "pg_extension", "pg_toast"];

/** Reads every application table (or only `scope`) with its columns, keys, indexes, foreign keys, enums, sequences. */
export async function readCatalogSnapshot(sql: postgres.Sql, scope?: { schema: string; table: string }): Promise<CatalogSnapshot> {
  const only = (ns: string, rel: string) =>
    scope ? sql`and ${sql.unsafe(ns)}.nspname = ${scope.schema} and ${sql.unsafe(rel)}.relname = ${scope.table}` : sql``;
  const system = sql`not in ${sql(SYSTEM_SCHEMAS)} and n.nspname not like 'pg\_temp%'`;

  // The server is detected alongside the other reads (one round trip fewer); only the hidden-column read needs it.
  const server = detectServer(sql);
  // The application's tables and their columns, as a join the reads below repeat (a view would be one more object).
  const attributes = sql`
      from pg_catalog.pg_class c
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      join pg_catalog.pg_attribute a on a.attrelid = c.oid and a.attnum > 0 and not a.attisdropped
      where c.relkind in ('r', 'p') and n.nspname ${system} ${only("n", "c")}`;
  const [columns, types, defaults, constraints, indexes, enums, sequences, hidden] = await Promise.all([
    // One row per table, its columns as one JSON array of raw attributes: 60,000 columns arrive as 2,000 rows that
    // JSON.parse decodes natively. The costly per-column functions run once per distinct value in the reads below.
    sql<{ relid: number; schema: string; table: string; columns: ColumnTuple[] }[]>`
      select c.oid::int8 as relid, n.nspname as schema, c.relname as table,
             json_agg(json_build_array(a.attname, a.attnum::int, a.atttypid::int8, a.atttypmod::int, a.attcollation::int8,
               a.attnotnull, coalesce(a.attidentity::text, ''))) as columns
      ${attributes}
      group by c.oid, n.nspname, c.relname
      order by n.nspname, c.relname`,
    // Each distinct (type, modifier, collation) once: format_type and the lookups are not repeated for 60,000 columns.
    sql<{ typid: number; typmod: number; coll: number; type: string; typname: string; elem: string | null; typtype: string; collation: string | null }[]>`
      select x.typid::int8 as typid, x.typmod::int as typmod, x.coll::int8 as coll, format_type(x.typid, x.typmod) as type,
             t.typname, e.typname as elem, coalesce(e.typtype, t.typtype)::text as typtype,
             case when x.coll <> 0 and x.coll <> t.typcollation then co.collname end as collation
      from (select distinct a.atttypid as typid, a.atttypmod as typmod, a.attcollation as coll ${attributes}) x
      join pg_catalog.pg_type t on t.oid = x.typid
      left join pg_catalog.pg_type e on e.oid = t.typelem and t.typcategory = 'A'
      left join pg_catalog.pg_collation co on co.oid = x.coll`,
    sql<{ relid: number; num: number; def: string }[]>`
      select d.adrelid::int8 as relid, d.adnum::int as num, pg_get_expr(d.adbin, d.adrelid) as def
      from pg_catalog.pg_attrdef d
      join pg_catalog.pg_class c on c.oid = d.adrelid
      join pg_catalog.pg_namespace n on n.oid = c.relnamespace
      where c.relkind in ('r', 'p') and n.nspname ${system} ${only("n", "c")}`,
    sql<
      {
        relid: number;
        name: string;
        type: string;
        keys: number[];
        refschema: string | null;
        reftable: string | null;
        refrelid: number | null;
        refkeys: number[] | null;
      }[]
    >`
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
    server.then(async ({ dialect }): Promise<{ schema: string; table: string; name: string }[]> =>
      dialect === "cockroach"
        ? sql<{ schema: string; table: string; name: string }[]>`
          select table_schema as schema, table_name as table, column_name as name from information_schema.columns
          where is_hidden = 'YES' ${scope ? sql`and table_schema = ${scope.schema} and table_name = ${scope.table}` : sql``}`
        : [],
    ),
  ]);
  const { dialect, versionNum } = await server;

  // Lookups keyed by numbers, table by table: 60,000 columns must not each build string keys (the GC shows it).
  const hiddenByTable = new Map<string, Set<string>>();
  for (const h of hidden) {
    const key = `${h.schema}\u0000${h.table}`;
    hiddenByTable.set(key, (hiddenByTable.get(key) ?? new Set()).add(h.name));
  }
  const typeOf = new Map<number, (typeof types)[number][]>();
  for (const t of types) typeOf.set(Number(t.typid), [...(typeOf.get(Number(t.typid)) ?? []), t]);
  const defaultsOf = new Map<number, Map<number, string>>();
  for (const d of defaults) {
    const relid = Number(d.relid);
    defaultsOf.set(relid, (defaultsOf.get(relid) ?? new Map()).set(d.num, d.def));
  }
  const tables = new Map<number, SnapshotTable>();
  const attnames = new Map<number, Map<number, string>>();
  const hiddenKeys = new Map<number, Set<string>>();
  for (const row of columns) {
    const relid = Number(row.relid);
    const table: SnapshotTable = { schema: row.schema, name: row.table, columns: [], primaryKey: [], uniques: [], indexes: [], foreignKeys: [] };
    const names = new Map<number, string>();
    const hiddenHere = hiddenByTable.get(`${row.schema}\u0000${row.table}`);
    const defaultsHere = defaultsOf.get(relid);
    tables.set(relid, table);
    attnames.set(relid, names);
    if (hiddenHere) hiddenKeys.set(relid, hiddenHere);
    // json_agg keeps no order of its own: sorting 30 columns here is cheaper than an ordered aggregate per table.
    for (const [name, num, typid, typmod, coll, notnull, identity] of row.columns.sort((x, y) => x[1] - y[1])) {
      names.set(num, name);
      if (hiddenHere?.has(name)) continue;
      const type = typeOf.get(typid)?.find((t) => t.typmod === typmod && Number(t.coll) === coll);
      if (!type) throw new Error(`catalog read: no type ${typid} for ${row.schema}.${row.table}.${name}`);
      table.columns.push({
        name,
        type: type.type,
        typeName: type.typname,
        elementTypeName: type.elem,
        kind: type.typtype,
        nullable: !notnull,
        position: num,
        default: defaultsHere?.get(num) ?? null,
        identity: identity === "a" || identity === "d",
        collation: type.collation,
      });
    }
  }
  const names = (relid: number, keys: number[]) => keys.map((k) => attnames.get(relid)?.get(k) ?? (k === 0 ? "(expression)" : `#${k}`));
  for (const k of constraints) {
    const table = tables.get(Number(k.relid));
    if (!table) continue;
    const cols = names(Number(k.relid), k.keys ?? []);
    if (k.type === "p") {
      table.primaryKey = cols.some((c) => hiddenKeys.get(Number(k.relid))?.has(c)) ? [] : cols;
    } else if (k.type === "u") {
      table.uniques.push({ name: k.name, columns: cols, unique: true, partial: false });
    } else if (k.refschema && k.reftable && k.refrelid !== null) {
      table.foreignKeys.push({
        name: k.name,
        columns: cols,
        references: { schema: k.refschema, table: k.reftable, columns: names(Number(k.refrelid), k.refkeys ?? []) },
      });
    }
  }
  // The index behind a primary key or unique constraint carries the constraint's name on both engines.
  const constraintIndexes = new Set(constraints.filter((k) => k.type !== "f").map((k) => `${k.relid}\u0000${k.name}`));
  for (const i of indexes) {
    const table = tables.get(Number(i.relid));
    if (!table || i.primary || constraintIndexes.has(`${i.relid}\u0000${i.name}`)) continue;
    const index = {
      name: i.name,
      columns: names(Number(i.relid), i.keys.trim().split(/\s+/).filter(Boolean).map(Number)),
      unique: i.unique,
      partial: i.partial,
    };
    (i.unique && !i.partial ? table.uniques : table.indexes).push(index);
  }
  return { dialect, versionNum, tables: [...tables.values()], enums: enums.map((e) => ({ ...e })), sequences: sequences.map((s) => ({ ...s })) };
}
