import { describe, expect, it } from "vitest";
import { blockerAdvice, blockerLabel } from "./blockers";
import { parseVacuum } from "./xid-collector.server";

describe("pg_stat_progress_vacuum across versions", () => {
  it("reads the same progress from 13's and 17's column sets", () => {
    const common = {
      pid: 42,
      datname: "app",
      relid: 16384,
      phase: "scanning heap",
      heap_blks_total: 1000,
      heap_blks_scanned: 250,
      heap_blks_vacuumed: 100,
      index_vacuum_count: 1,
    };
    const pg13 = parseVacuum(
      { ...common, max_dead_tuples: 291, num_dead_tuples: 12 },
      "public.docs",
      "autovacuum: VACUUM public.docs (to prevent wraparound)",
      null,
    );
    const pg17 = parseVacuum(
      { ...common, max_dead_tuple_bytes: 67108864, dead_tuple_bytes: 0, num_dead_item_ids: 12, indexes_total: 2, indexes_processed: 0, delay_time: 0 },
      "public.docs",
      "autovacuum: VACUUM public.docs",
      null,
    );
    expect(pg13).toMatchObject({ heapBlocksTotal: 1000, heapBlocksScanned: 250, antiWraparound: true, relation: "public.docs" });
    expect(pg17).toMatchObject({ heapBlocksTotal: 1000, heapBlocksScanned: 250, antiWraparound: false });
    expect(parseVacuum(common, null, null, null).relation).toBe("oid 16384");
  });
});

describe("blocker advice", () => {
  it("tells an idle-in-transaction session from an inactive slot and a prepared transaction", () => {
    const backend = {
      kind: "backend",
      pid: 7,
      database: "app",
      user: "u",
      application: "psql",
      state: "idle in transaction",
      age: 5,
      xid: null,
      xmin: "9",
      transactionStart: null,
      queryStart: null,
      query: null,
    } as const;
    expect(blockerAdvice(backend)).toMatch(/pg_terminate_backend\(7\)/);
    expect(blockerLabel(backend)).toBe("backend 7 (psql), idle in transaction");
    const slot = {
      kind: "replication_slot",
      slot: "cutover_cdc",
      slotType: "logical",
      database: "app",
      active: false,
      age: 9,
      xmin: null,
      catalogXmin: "3",
    } as const;
    expect(blockerAdvice(slot)).toMatch(/pg_drop_replication_slot\('cutover_cdc'\)/);
    const prepared = { kind: "prepared_transaction", gid: "g1", database: "app", owner: "u", prepared: "", age: 1, xid: "5" } as const;
    expect(blockerAdvice(prepared)).toMatch(/ROLLBACK PREPARED 'g1'/);
  });
});
