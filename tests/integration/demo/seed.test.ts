import type postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { APP_TABLES } from "../../../db/demo/app-schema";
import { DEMO_ROW_COUNTS } from "../../../db/demo/demo-rows";
import { DEMO_DIVERGENCES } from "../../../db/demo/divergences";
import { seedDemoApplication, type DemoSeedResult } from "../../../db/demo/seed";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

/** Everything about the public schema that must be identical on both sides, as comparable text. */
async function schemaSnapshot(sql: postgres.Sql) {
  const columns = await sql`
    select c.relname as table, a.attname as column, format_type(a.atttypid, a.atttypmod) as type,
           a.attnotnull as not_null, pg_get_expr(d.adbin, d.adrelid) as default
    from pg_attribute a
    join pg_class c on c.oid = a.attrelid
    join pg_namespace n on n.oid = c.relnamespace
    left join pg_attrdef d on d.adrelid = a.attrelid and d.adnum = a.attnum
    where n.nspname = 'public' and c.relkind = 'r' and a.attnum > 0 and not a.attisdropped
    order by 1, a.attnum`;
  const constraints = await sql`
    select conrelid::regclass::text as table, conname as name, pg_get_constraintdef(oid) as definition
    from pg_constraint where connamespace = 'public'::regnamespace order by 1, 2`;
  const indexes = await sql`select indexname, indexdef from pg_indexes where schemaname = 'public' order by 1`;
  const enums = await sql`
    select t.typname as name, array_agg(e.enumlabel order by e.enumsortorder) as labels
    from pg_type t join pg_enum e on e.enumtypid = t.oid
    where t.typnamespace = 'public'::regnamespace group by 1 order by 1`;
  return { columns, constraints, indexes, enums };
}

type TableRows = Map<string, Record<string, string | null>>;

/** All rows of a table keyed by primary key, every column as PostgreSQL's own text (no driver parsing). */
async function rowsAsText(sql: postgres.Sql, table: (typeof APP_TABLES)[number]): Promise<TableRows> {
  const columns = await sql<{ name: string }[]>`
    select column_name as name from information_schema.columns
    where table_schema = 'public' and table_name = ${table.name} order by ordinal_position`;
  const key = table.primaryKey.map((c) => `"${c}"::text`).join(` || '|' || `);
  const rows = await sql.unsafe<Record<string, string | null>[]>(
    `select ${key} as "__key", ${columns.map((c) => `"${c.name}"::text as "${c.name}"`).join(", ")} from "${table.name}"`,
  );
  return new Map(rows.map(({ __key, ...row }) => [__key as string, row]));
}

/** Fingerprint of a whole database's demo data, to compare two seeds or a database before and after. */
async function fingerprint(sql: postgres.Sql) {
  const parts: string[] = [];
  for (const table of APP_TABLES) {
    const order = table.primaryKey.map((c) => `"${c}"`).join(", ");
    const [row] = await sql.unsafe(`select md5(string_agg(t::text, ',' order by ${order})) as h from "${table.name}" t`);
    parts.push(`${table.name}:${row.h}`);
  }
  return parts.join(" ");
}

const keyOf = (table: string, primaryKey: Record<string, string>) =>
  `${table}/${APP_TABLES.find((t) => t.name === table)!
    .primaryKey.map((c) => primaryKey[c])
    .join("|")}`;

describe("demo application seed", () => {
  let source: ScratchDatabase;
  let target: ScratchDatabase;
  let first: DemoSeedResult;

  beforeAll(async () => {
    [source, target] = await Promise.all([createScratchDatabase("demo_src"), createScratchDatabase("demo_tgt")]);
    first = await seedDemoApplication({ source: source.sql, target: target.sql });
  });
  afterAll(async () => {
    await Promise.all([source?.drop(), target?.drop()]);
  });

  it("creates the same schema on both sides", async () => {
    const [onSource, onTarget] = await Promise.all([schemaSnapshot(source.sql), schemaSnapshot(target.sql)]);
    expect(new Set(onSource.columns.map((c) => c.table))).toEqual(new Set(APP_TABLES.map((t) => t.name)));
    expect(onSource.enums.map((e) => e.name)).toEqual(["annotation_kind", "collaborator_role", "plan_tier", "user_role"]);
    expect(onSource.constraints.filter((c) => c.definition.startsWith("FOREIGN KEY"))).toHaveLength(13);
    expect(onTarget).toEqual(onSource);
  });

  it("seeds the expected row counts: the source exactly, the target give or take its divergences", async () => {
    const count = async (sql: postgres.Sql, table: string) => Number((await sql.unsafe(`select count(*)::int as n from "${table}"`))[0].n);
    let total = 0;
    for (const table of APP_TABLES) {
      const expected = DEMO_ROW_COUNTS[table.name];
      total += expected;
      const missing = DEMO_DIVERGENCES.filter((d) => d.table === table.name && d.kind === "missing").length;
      const extra = DEMO_DIVERGENCES.filter((d) => d.table === table.name && d.kind === "extra").length;
      expect(await count(source.sql, table.name)).toBe(expected);
      expect(await count(target.sql, table.name)).toBe(expected - missing + extra);
    }
    expect(first.source).toEqual({ seeded: true, rows: total });
    expect(first.target.seeded).toBe(true);
  });

  it("leaves exactly the known divergences between source and target", async () => {
    const found: string[] = [];
    for (const table of APP_TABLES) {
      const [onSource, onTarget] = await Promise.all([rowsAsText(source.sql, table), rowsAsText(target.sql, table)]);
      for (const [key, row] of onSource) {
        const other = onTarget.get(key);
        if (!other) {
          found.push(`${table.name}/${key} missing`);
          continue;
        }
        for (const column of Object.keys(row)) {
          if (row[column] !== other[column]) found.push(`${table.name}/${key} changed ${column}`);
        }
      }
      for (const key of onTarget.keys()) if (!onSource.has(key)) found.push(`${table.name}/${key} extra`);
    }
    const expected = DEMO_DIVERGENCES.map((d) =>
      d.kind === "missing" || d.kind === "extra" ? `${keyOf(d.table, d.primaryKey)} ${d.kind}` : `${keyOf(d.table, d.primaryKey)} changed ${d.field}`,
    );
    expect(found.sort()).toEqual([...expected].sort());
    expect(new Set(DEMO_DIVERGENCES.map((d) => d.kind))).toEqual(
      new Set(["missing", "extra", "changed", "timestamp_precision", "numeric_scale", "json_key_order"]),
    );
  });

  it("makes the engine-typical divergences equal after normalization and the genuine ones not", async () => {
    for (const d of DEMO_DIVERGENCES.filter((d) => d.field !== null)) {
      const table = APP_TABLES.find((t) => t.name === d.table)!;
      const where = table.primaryKey.map((c, i) => `"${c}"::text = $${i + 1}`).join(" and ");
      const params = table.primaryKey.map((c) => d.primaryKey[c]);
      const read = async (sql: postgres.Sql) => (await sql.unsafe(`select "${d.field}"::text as v from "${d.table}" where ${where}`, params))[0].v as string;
      const [a, b] = await Promise.all([read(source.sql), read(target.sql)]);
      expect(a, `${d.table}.${d.field}`).not.toBe(b);
      const [{ same }] = await source.sql.unsafe(
        {
          // Parameters go in as text: postgres.js would otherwise re-serialize them (a Date keeps milliseconds only).
          timestamp_precision: `select date_trunc('milliseconds', $1::text::timestamptz) = $2::text::timestamptz
                                       and $1::text::timestamptz <> $2::text::timestamptz as same`,
          numeric_scale: `select $1::text::numeric = $2::text::numeric as same`,
          json_key_order: `select $1::text::jsonb = $2::text::jsonb as same`,
          changed: `select $1::text = $2::text as same`,
        }[d.kind as "changed"],
        [a, b],
      );
      expect(same, `${d.table}.${d.field} (${d.kind}): ${a} vs ${b}`).toBe(d.kind !== "changed");
    }
  });

  it("does nothing on a second call", async () => {
    const before = await Promise.all([fingerprint(source.sql), fingerprint(target.sql)]);
    const again = await seedDemoApplication({ source: source.sql, target: target.sql });
    expect(again.source).toEqual({ seeded: false, rows: 0 });
    expect(again.target).toEqual({ seeded: false, rows: 0 });
    expect(await Promise.all([fingerprint(source.sql), fingerprint(target.sql)])).toEqual(before);
  });

  it("is deterministic: a second pair of databases gets the very same rows", async () => {
    const [source2, target2] = await Promise.all([createScratchDatabase("demo_src2"), createScratchDatabase("demo_tgt2")]);
    try {
      await seedDemoApplication({ source: source2.sql, target: target2.sql });
      expect(await fingerprint(source2.sql)).toBe(await fingerprint(source.sql));
      expect(await fingerprint(target2.sql)).toBe(await fingerprint(target.sql));
    } finally {
      await Promise.all([source2.drop(), target2.drop()]);
    }
  });

  it("refuses to seed over an application schema it did not create", async () => {
    const [foreign, empty] = await Promise.all([createScratchDatabase("demo_foreign"), createScratchDatabase("demo_empty")]);
    try {
      await foreign.sql`create table schools (id integer primary key)`;
      await expect(seedDemoApplication({ source: foreign.sql, target: empty.sql })).rejects.toThrow(/not created by the Cutover demo seed/);
      const [{ n }] = await foreign.sql`select count(*)::int as n from schools`;
      expect(n).toBe(0);
    } finally {
      await Promise.all([foreign.drop(), empty.drop()]);
    }
  });
});
