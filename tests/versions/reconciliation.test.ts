import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeTable, listTables } from "../../app/reconciliation/catalog";
import { reconcileTable } from "../../app/reconciliation/engine";
import type { ReconcileOptions } from "../../app/reconciliation/types";
import { NO_RULES, type ColumnRules } from "../../app/normalization/types";
import { createScratchDatabase, testSourceServerUrl, type ScratchDatabase } from "../support/databases";

// The reconciliation tests' planted-difference tables, with the source on the major under test and the target
// on the main test server: every version must find exactly the same differences, with both strategies.
const major = inject("testSourceMajor");
let source: ScratchDatabase;
let target: ScratchDatabase;

const TABLES = `
  create type mood as enum ('sad', 'ok', 'happy');
  create table wide (id bigint primary key, name text, amount numeric(12,2), at timestamptz, doc jsonb, tags text[],
    blob bytea, uid uuid, feeling mood, ratio float8);
  insert into wide
  select g, 'name ' || g, (g * 1.25)::numeric(12,2), timestamptz '2024-01-01 00:00:00+00' + g * interval '1.000123 second',
         jsonb_build_object('n', g, 'even', g % 2 = 0), array['a' || g, null, 'b'], decode(md5(g::text), 'hex'),
         md5(g::text)::uuid, (array['sad','ok','happy'])[1 + g % 3]::mood, g / 7.0
  from generate_series(1, 3000) g;
  create table accounts (region text, code text, balance numeric, primary key (region, code));
  insert into accounts values ('Zürich', 'a', 1.5), ('zurich', 'A', 2), ('Ångström', 'x', 3), ('apple', 'é', 4),
    ('Apple', 'e', 5), ('b', 'trailing ', 6), ('b', 'trailing', 7);
  insert into accounts select 'region ' || g, 'c', g from generate_series(1, 300) g;`;

const run = (options: Partial<ReconcileOptions> & { table: string }) =>
  reconcileTable(source.sql, target.sql, { recheckDelayMs: 10, inFlightWindowMs: 0, bucketCount: 50, ...options });

const keysOf = (r: Awaited<ReturnType<typeof run>>) =>
  r.differences.map((d) => `${d.kind}:${d.key.join("|")}${d.columns.length ? `:${d.columns.join(",")}` : ""}`).sort();

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("v_recon_src", testSourceServerUrl()), createScratchDatabase("v_recon_tgt")]);
  await Promise.all([source.sql.unsafe(TABLES), target.sql.unsafe(TABLES)]);
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

describe(`reconciliation with source PostgreSQL ${major}`, () => {
  it("reads the source's catalog: tables, column types, key", async () => {
    expect(await listTables(source.sql)).toEqual([{ schema: "public", name: "accounts" }, { schema: "public", name: "wide" }]);
    const { table } = await describeTable(source.sql, "public", "wide");
    expect(table?.primaryKey).toEqual(["id"]);
    expect(table?.columns.map((c) => `${c.name} ${c.type} ${c.kind}`)).toEqual([
      "id bigint b", "name text b", "amount numeric(12,2) b", "at timestamp with time zone b", "doc jsonb b", "tags text[] b",
      "blob bytea b", "uid uuid b", "feeling mood e", "ratio double precision b",
    ]);
    expect((await describeTable(source.sql, "public", "accounts")).table?.primaryKey).toEqual(["region", "code"]);
  });

  it("finds nothing on identical data and exactly the planted differences, with either strategy", async () => {
    for (const strategy of ["checksum", "stream"] as const) expect((await run({ table: "wide", strategy })).differences).toEqual([]);
    await target.sql.unsafe(`
      delete from wide where id in (1, 1500, 3000);
      insert into wide (id, name) values (3001, 'extra'), (-5, 'extra below');
      update wide set name = name || ' ' where id = 10;
      update wide set amount = 25.1 where id = 20;
      update wide set at = at + interval '1 microsecond' where id = 30;
      update wide set doc = '{"n": 40, "even": false}' where id = 40;
      update wide set doc = '{"even": true, "n": 50}' where id = 50;
      update wide set tags = array['a51', 'b'] where id = 51;
      update wide set blob = blob || '\\x00'::bytea where id = 60;
      update wide set uid = null where id = 70;
      update wide set feeling = case feeling when 'sad' then 'ok'::mood else 'sad'::mood end where id = 80;
      update wide set ratio = ratio + 1e-12 where id = 90;
      update wide set name = 'NAME 100' where id = 100;`);
    const expected = [
      "missing_in_target:1", "missing_in_target:1500", "missing_in_target:3000", "extra_in_target:3001", "extra_in_target:-5",
      "value_mismatch:10:name", "value_mismatch:20:amount", "value_mismatch:30:at", "value_mismatch:40:doc", "value_mismatch:51:tags",
      "value_mismatch:60:blob", "value_mismatch:70:uid", "value_mismatch:80:feeling", "value_mismatch:90:ratio", "value_mismatch:100:name",
    ].sort();
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "wide", strategy });
      expect(keysOf(r)).toEqual(expected);
      expect(r.rowsCompared).toBeGreaterThanOrEqual(3000);
    }
  });

  it("applies the normalization rules the same way in checksums and row comparison", async () => {
    const rules: Record<string, Partial<ColumnRules>> = {
      name: { trailingSpaces: { ruleId: "r1" } },
      amount: { numericScale: { ruleId: "r2" } },
      at: { timestampPrecision: { ruleId: "r3", digits: 3 } },
      ratio: { floatTolerance: { ruleId: "r4", tolerance: 1e-9 } },
      uid: { ignore: { ruleId: "r5" } },
    };
    await target.sql.unsafe(`update wide set amount = 25.00 where id = 20`);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "wide", strategy, rulesFor: (c) => ({ ...NO_RULES, ...rules[c] }) });
      expect(keysOf(r).filter((k) => k.startsWith("value"))).toEqual(
        ["value_mismatch:40:doc", "value_mismatch:51:tags", "value_mismatch:60:blob", "value_mismatch:80:feeling", "value_mismatch:100:name"].sort(),
      );
    }
  });

  it("orders composite text keys by bytes on both servers", async () => {
    await target.sql.unsafe(`
      delete from accounts where region = 'Ångström';
      update accounts set balance = 2.0 where region = 'zurich';
      update accounts set balance = 0 where region = 'region 150';
      insert into accounts values ('b', 'trailing  ', 8), ('ångström', 'x', 3);`);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "accounts", strategy, bucketCount: 7 });
      expect(keysOf(r)).toEqual(
        ["missing_in_target:Ångström|x", "extra_in_target:b|trailing  ", "extra_in_target:ångström|x", "value_mismatch:zurich|A:balance", "value_mismatch:region 150|c:balance"].sort(),
      );
    }
  });
});
