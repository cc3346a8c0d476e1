import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { reconcileTable } from "../../../app/reconciliation/engine";
import type { ReconcileOptions } from "../../../app/reconciliation/types";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import {
  ACCOUNTS_DIFFERENCES,
  ACCOUNTS_EXPECTED,
  ACCOUNTS_TABLE,
  keysOf,
  WIDE_DIFFERENCES,
  WIDE_EXPECTED,
  WIDE_EXPECTED_UNDER_RULES,
  WIDE_TABLE,
  wideRulesFor,
} from "../../support/planted-differences";

let source: ScratchDatabase;
let target: ScratchDatabase;

async function run(options: Partial<ReconcileOptions> & { table: string }) {
  return reconcileTable(source.sql, target.sql, { recheckDelayMs: 10, inFlightWindowMs: 0, bucketCount: 50, ...options });
}

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("recon_src"), createScratchDatabase("recon_tgt")]);
  for (const db of [source, target]) {
    await db.sql.unsafe(WIDE_TABLE);
    await db.sql.unsafe(ACCOUNTS_TABLE);
    await db.sql.unsafe(`
      create table nokey (a int, b text);
      create table shaped (id int primary key, a text, b int);
      create table readings (id int primary key, value float8, at timestamptz, note text);
      insert into readings select g, g * 0.1, timestamptz '2024-05-01 10:00:00.123456+00' + g * interval '1 minute', 'x' from generate_series(1, 200) g;`);
  }
  await target.sql.unsafe(`
    alter table shaped drop column b; alter table shaped add column b bigint; alter table shaped add column c text;
    alter table shaped alter column a type varchar(10);
  `);
});

afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

describe("reconcileTable", () => {
  it("reports nothing on identical data, with either strategy", async () => {
    for (const strategy of ["checksum", "stream", "auto"] as const) {
      const r = await run({ table: "wide", strategy });
      expect(r.compared).toBe(true);
      expect(r.drift).toEqual([]);
      expect(r.differences).toEqual([]);
      expect(r.rowsCompared).toBe(3000);
    }
  });

  it("finds exactly the missing, extra and changed rows of every type, with both strategies", async () => {
    await target.sql.unsafe(WIDE_DIFFERENCES);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "wide", strategy });
      expect(keysOf(r)).toEqual(WIDE_EXPECTED);
      expect(r.counts).toEqual({ missing_in_target: 3, extra_in_target: 2, value_mismatch: 10 });
    }
    const changed = (await run({ table: "wide" })).differences.find((d) => d.key[0] === "20")!;
    expect(changed.source?.amount).toBe("25.00");
    expect(changed.target?.amount).toBe("25.10");
  });

  it("applies the normalization rules the same way in checksums and row comparison", async () => {
    await target.sql.unsafe(`update wide set amount = 25.00 where id = 20`);
    const r = await run({ table: "wide", rulesFor: wideRulesFor });
    // name 10 (trailing space), at 30 (a microsecond), ratio 90 (1e-12), uid 70 (ignored) are equal under the rules
    expect(keysOf(r).filter((k) => k.startsWith("value"))).toEqual(WIDE_EXPECTED_UNDER_RULES);
  });

  it("orders composite text keys by bytes: mixed case, accents and trailing spaces are distinct keys", async () => {
    expect((await run({ table: "accounts", bucketCount: 7 })).differences).toEqual([]);
    await target.sql.unsafe(ACCOUNTS_DIFFERENCES);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "accounts", strategy, bucketCount: 7 });
      expect(keysOf(r)).toEqual(ACCOUNTS_EXPECTED);
    }
  });

  it("reports schema drift as data", async () => {
    const missing = await run({ table: "no_such_table" });
    expect(missing.compared).toBe(false);
    expect(missing.drift).toEqual([expect.objectContaining({ kind: "missing_table", side: "both", blocking: true })]);

    const nokey = await run({ table: "nokey" });
    expect(nokey.compared).toBe(false);
    expect(nokey.drift.map((d) => `${d.kind}:${d.side}`)).toEqual(["no_primary_key:source", "no_primary_key:target"]);

    const shaped = await run({ table: "shaped" });
    expect(shaped.compared).toBe(true);
    expect(shaped.drift.map((d) => `${d.kind}:${d.column}`).sort()).toEqual(["column_missing:c"]);
    await target.sql.unsafe(`alter table shaped alter column b type numeric`);
    const retyped = await run({ table: "shaped" });
    expect(retyped.drift.map((d) => `${d.kind}:${d.column}`).sort()).toEqual(["column_missing:c", "column_type_differs:b"]);
    expect(retyped.drift.find((d) => d.kind === "column_type_differs")!.message).toContain("integer");
  });

  it("honours a key-range scope and a user-list scope", async () => {
    const range = await run({ table: "wide", scope: { kind: "range", from: ["1"], to: ["60"] }, strategy: "stream" });
    expect(keysOf(range).map((k) => k.split(":").slice(0, 2).join(":"))).toEqual(
      ["missing_in_target:1", "value_mismatch:10", "value_mismatch:30", "value_mismatch:40", "value_mismatch:51", "value_mismatch:60"].sort(),
    );
    const users = await run({ table: "wide", scope: { kind: "users", column: "name", ids: ["name 40", "name 41", "extra"] } });
    expect(keysOf(users)).toEqual(["extra_in_target:3001", "value_mismatch:40:doc"]);
  });

  it("finds differences a plain concatenation of values would hide, in checksums and key groups alike", async () => {
    const table = `create table shifty (id bigint primary key, a text, b text, n numeric, at timestamptz)`;
    // source and target spell the same characters in the same order, shifted between columns, NULLs and rows
    await source.sql.unsafe(`${table}; insert into shifty values
      (1, 'ab', 'c', 1, null), (2, '', null, null, '2024-01-01 00:00:00+00'), (3, 'x', 'y', 10, null), (4, 'y', 'x', 2, null),
      (5, 'same', 'same', 5, null), (40, '1', '2', 3, null)`);
    await target.sql.unsafe(`${table}; insert into shifty values
      (1, 'a', 'bc', 1, null), (2, null, '', null, '2024-01-01 00:00:00+00'), (3, 'y', 'x', 10, null), (4, 'x', 'y', 2, null),
      (5, 'same', 'same', 5, null), (40, '12', null, 3, null)`);
    const expected = ["value_mismatch:1:a,b", "value_mismatch:2:a,b", "value_mismatch:3:a,b", "value_mismatch:4:a,b", "value_mismatch:40:a,b"].sort();
    for (const strategy of ["checksum", "stream"] as const) {
      // one bucket: the checksum sees all rows at once
      expect(keysOf(await run({ table: "shifty", strategy, bucketCount: 1 }))).toEqual(expected);
    }
    // integers, numerics and uuids reach concat_ws as values on PostgreSQL, which skips NULLs: a NULL moved
    // between them must still change the text
    const numbers = `create table shifty_numbers (id bigint primary key, x int, y numeric, u uuid, v uuid)`;
    const u = "'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11'";
    await source.sql.unsafe(`${numbers}; insert into shifty_numbers values (1, 1, null, null, null), (2, null, 7, ${u}, null), (3, 4, 4, ${u}, ${u})`);
    await target.sql.unsafe(`${numbers}; insert into shifty_numbers values (1, null, 1, null, null), (2, null, 7, null, ${u}), (3, 4, 4, ${u}, ${u})`);
    for (const strategy of ["checksum", "stream"] as const) {
      expect(keysOf(await run({ table: "shifty_numbers", strategy, bucketCount: 1 }))).toEqual(["value_mismatch:1:x,y", "value_mismatch:2:u,v"]);
    }
  });

  it("clears a row that differs on first read but matches on the re-read", async () => {
    await target.sql`update readings set note = 'late' where id = 7`;
    const stale = await run({ table: "readings", strategy: "stream" });
    expect(keysOf(stale)).toEqual(["value_mismatch:7:note"]);
    expect(stale.clearedOnRecheck).toBe(0);
    // a dual write in flight: the target catches up between the first read and the re-read
    const healed = await run({
      table: "readings",
      onCandidates: async (keys) => {
        expect(keys).toEqual([["7"]]);
        await target.sql`update readings set note = 'x' where id = 7`;
      },
    });
    expect(healed.differences).toEqual([]);
    expect(healed.clearedOnRecheck).toBe(1);
  });
});
