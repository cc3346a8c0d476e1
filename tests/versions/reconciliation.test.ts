import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { describeTable, listTables } from "../../app/reconciliation/catalog";
import { reconcileTable } from "../../app/reconciliation/engine";
import type { ReconcileOptions } from "../../app/reconciliation/types";
import { createScratchDatabase, testSourceServerUrl, type ScratchDatabase } from "../support/databases";
import * as planted from "../support/planted-differences";

// The reconciliation tests' planted-difference tables, with the source on the major under test and the target
// on the main test server: every version must find exactly the same differences, with both strategies.
const major = inject("testSourceMajor");
let source: ScratchDatabase;
let target: ScratchDatabase;

const TABLES = planted.WIDE_TABLE + planted.ACCOUNTS_TABLE;

const run = (options: Partial<ReconcileOptions> & { table: string }) =>
  reconcileTable(source.sql, target.sql, { recheckDelayMs: 10, inFlightWindowMs: 0, bucketCount: 50, ...options });

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("v_recon_src", testSourceServerUrl()), createScratchDatabase("v_recon_tgt")]);
  await Promise.all([source.sql.unsafe(TABLES), target.sql.unsafe(TABLES)]);
});
afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

describe(`reconciliation with source PostgreSQL ${major}`, () => {
  it("reads the source's catalog: tables, column types, key", async () => {
    expect(await listTables(source.sql)).toEqual([
      { schema: "public", name: "accounts" },
      { schema: "public", name: "wide" },
    ]);
    const { table } = await describeTable(source.sql, "public", "wide");
    expect(table?.primaryKey).toEqual(["id"]);
    expect(table?.columns.map((c) => `${c.name} ${c.type} ${c.kind}`)).toEqual([
      "id bigint b",
      "name text b",
      "amount numeric(12,2) b",
      "at timestamp with time zone b",
      "doc jsonb b",
      "tags text[] b",
      "blob bytea b",
      "uid uuid b",
      "feeling mood e",
      "ratio double precision b",
    ]);
    expect((await describeTable(source.sql, "public", "accounts")).table?.primaryKey).toEqual(["region", "code"]);
  });

  it("finds nothing on identical data and exactly the planted differences, with either strategy", async () => {
    for (const strategy of ["checksum", "stream"] as const) expect((await run({ table: "wide", strategy })).differences).toEqual([]);
    await target.sql.unsafe(planted.WIDE_DIFFERENCES);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "wide", strategy });
      expect(planted.keysOf(r)).toEqual(planted.WIDE_EXPECTED);
      expect(r.rowsCompared).toBeGreaterThanOrEqual(3000);
    }
  });

  it("applies the normalization rules the same way in checksums and row comparison", async () => {
    await target.sql.unsafe(`update wide set amount = 25.00 where id = 20`);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "wide", strategy, rulesFor: planted.wideRulesFor });
      expect(planted.keysOf(r).filter((k) => k.startsWith("value"))).toEqual(planted.WIDE_EXPECTED_UNDER_RULES);
    }
  });

  it("orders composite text keys by bytes on both servers", async () => {
    await target.sql.unsafe(planted.ACCOUNTS_DIFFERENCES);
    for (const strategy of ["checksum", "stream"] as const) {
      const r = await run({ table: "accounts", strategy, bucketCount: 7 });
      expect(planted.keysOf(r)).toEqual(planted.ACCOUNTS_EXPECTED);
    }
  });
});
