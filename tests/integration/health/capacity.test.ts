import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { collectHealth } from "../../../app/health/collect.server";
import { collectPostgresCapacity } from "../../../app/health/capacity-collector.server";
import { counterRate } from "../../../app/health/capacity-snapshot";
import { detectEngine } from "../../../app/health/engine.server";
import { freeRatioStatus } from "../../../app/health/status";
import { freePort } from "../../../db/embedded";
import { waitFor } from "../../support/wait-for";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

const STANDIN = "/work/shared/fixtures/crdb-standin.sql";
const GiB = 2 ** 30;

describe("PostgreSQL capacity", () => {
  let db: ScratchDatabase;
  beforeAll(async () => {
    db = await createScratchDatabase("health_cap");
  });
  afterAll(async () => {
    await db?.drop();
  });

  it("reads size, the largest tables, connections and counters that move with the workload", async () => {
    const before = await collectPostgresCapacity(db.sql, { sizes: true });
    await db.sql`create table annotations (id int, body text)`;
    await db.sql`insert into annotations select g, repeat('a', 500) from generate_series(1, 20000) g`;
    await db.sql`analyze annotations`;
    const after = await collectPostgresCapacity(db.sql, { sizes: true });
    expect(after.database).toBe(db.name);
    expect(after.databaseBytes! - before.databaseBytes!).toBeGreaterThan(5_000_000);
    expect(after.tables[0]).toMatchObject({ schema: "public", table: "annotations" });
    expect(after.tables[0].totalBytes).toBeGreaterThan(5_000_000);
    expect(after.connections).toBeGreaterThanOrEqual(1);
    expect(after.maxConnections).toBeGreaterThan(after.connections);
    // Backends flush their commit counts to pg_stat_database up to ~10 s after the fact: wait for it.
    await waitFor(async () => (await collectPostgresCapacity(db.sql)).commitsTotal > before.commitsTotal, "commit counters to move", 30_000);
    expect(after.walBytesTotal - before.walBytesTotal).toBeGreaterThan(5_000_000);
    const cheap = await collectPostgresCapacity(db.sql);
    expect(cheap.databaseBytes).toBeNull();
    expect(cheap.tables).toEqual([]);
    expect(counterRate({ at: before.collectedAt, value: before.walBytesTotal }, { at: after.collectedAt, value: after.walBytesTotal })).toBeGreaterThan(0);
  });

  it("reports a server that is down as down, with the error", async () => {
    const port = await freePort();
    const down = postgres(`postgres://nobody@127.0.0.1:${port}/nothing`, { max: 1, connect_timeout: 5 });
    try {
      const reading = await collectHealth(down);
      expect(reading.ok).toBe(false);
      if (!reading.ok) expect(reading.error).toMatch(/ECONNREFUSED|connect/i);
    } finally {
      await down.end({ timeout: 1 });
    }
  });
});

/**
 * The CockroachDB path, checked only against the PostgreSQL stand-in (/work/shared/fixtures/crdb-standin.sql):
 * a crdb_internal schema with CockroachDB's column names and an engine switch through search_path.
 */
describe("CockroachDB capacity on the stand-in", () => {
  let db: ScratchDatabase;
  let crdb: postgres.Sql;
  const queries: string[] = [];

  beforeAll(async () => {
    db = await createScratchDatabase("health_crdb");
    // The fixture runs its own BEGIN/COMMIT, which postgres.js allows only on a single-connection client.
    const loader = postgres(db.url, { max: 1, onnotice: () => {} });
    await loader.unsafe(await readFile(STANDIN, "utf8"));
    await loader.end();
    crdb = postgres(db.url, {
      max: 2,
      onnotice: () => {},
      connection: { search_path: "public,crdb_standin,pg_catalog" },
      debug: (_connection, query) => queries.push(query),
    });
  });
  afterAll(async () => {
    await crdb?.end({ timeout: 5 });
    await db?.drop();
  });

  it("detects CockroachDB by crdb_version, and the version tag changes with the build", async () => {
    expect(await detectEngine(crdb)).toMatchObject({ engine: "cockroachdb", version: "v24.3.0" });
    expect(await detectEngine(db.sql)).toMatchObject({ engine: "postgresql" });
    await db.sql`update crdb_standin.crdb_build_info set tag = 'v25.1.0', cluster_version = '25.1'`;
    expect(await detectEngine(crdb)).toMatchObject({ engine: "cockroachdb", version: "v25.1.0" });
  });

  it("reads every store and node, and never asks CockroachDB for XIDs or pg_stat_* views", async () => {
    queries.length = 0;
    const reading = await collectHealth(crdb);
    if (!reading.ok) throw new Error(reading.error);
    expect(reading.xid).toBeNull();
    expect(reading.capacity.engine).toBe("cockroachdb");
    if (reading.capacity.engine !== "cockroachdb") return;
    expect(reading.capacity.stores).toHaveLength(3);
    const store1 = reading.capacity.stores[0];
    expect(store1).toMatchObject({
      nodeId: 1,
      storeId: 1,
      capacityBytes: 500 * GiB,
      usedBytes: 120 * GiB,
      ranges: 1412,
      leases: 472,
      locality: "region=us-east1,zone=us-east1-b",
    });
    expect(store1.availableRatio).toBeCloseTo(370 / 500, 9);
    expect(reading.capacity.nodes.map((n) => n.live)).toEqual([true, true, true]);
    expect(queries.length).toBeGreaterThan(0);
    for (const query of queries) expect(query).not.toMatch(/pg_stat|datfrozenxid|age\(|pg_snapshot|pg_current_wal/i);
  });

  it("rates each store's available ratio against 30% / 10%", async () => {
    await db.sql`update crdb_internal.kv_store_status set available = capacity * 0.25 where store_id = 2`;
    await db.sql`update crdb_internal.kv_store_status set available = capacity * 0.05 where store_id = 3`;
    const reading = await collectHealth(crdb);
    if (!reading.ok || reading.capacity.engine !== "cockroachdb") throw new Error("no CockroachDB reading");
    expect(reading.capacity.stores.map((s) => freeRatioStatus(s.availableRatio))).toEqual(["ok", "warning", "critical"]);
  });

  it("shows a node whose liveness expired as not live", async () => {
    await db.sql`update crdb_internal.gossip_liveness set expiration = crdb_standin.crdb_hlc(now() - interval '1 minute') where node_id = 3`;
    const reading = await collectHealth(crdb);
    if (!reading.ok || reading.capacity.engine !== "cockroachdb") throw new Error("no CockroachDB reading");
    expect(reading.capacity.nodes.map((n) => [n.nodeId, n.live])).toEqual([
      [1, true],
      [2, true],
      [3, false],
    ]);
  });

  it("turns a refused monitoring query into a down reading with the error", async () => {
    await db.sql`drop table crdb_internal.gossip_liveness`;
    const reading = await collectHealth(crdb);
    expect(reading.ok).toBe(false);
    if (!reading.ok) expect(reading.error).toMatch(/gossip_liveness/);
  });
});
