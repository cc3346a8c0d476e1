import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { collectHealth } from "../../app/health/collect.server";
import { runHealthCycle } from "../../app/jobs/health.server";
import { latestReadings } from "../../app/models/health.server";
import type { XidSnapshot } from "../../app/health/xid-snapshot";
import { createControlDatabase } from "../support/control-db";
import { createScratchDatabase, testSourceServerUrl, type ScratchDatabase } from "../support/databases";
import { waitFor } from "../support/wait-for";

// A collector cycle against the source major under test: the same snapshot shape on every version, and the
// blockers and running vacuums it must be able to show.
const major = inject("testSourceMajor");
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("v_health_ctl"),
    createScratchDatabase("v_health_src", testSourceServerUrl()),
    createScratchDatabase("v_health_tgt"),
  ]);
  await source.sql`create table documents (id bigint primary key, body text)`;
  // ~450 heap pages: a vacuum throttled to one page per 100 ms runs long enough to be seen in progress.
  await source.sql`insert into documents select g, repeat('x', 200) from generate_series(1, 15000) g`;
});
afterAll(async () => {
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

async function collect() {
  const reading = await collectHealth(source.sql, { sizes: true });
  if (!reading.ok) throw new Error(`collector failed on PostgreSQL ${major}: ${reading.error}`);
  return reading;
}

/** Every field's type, recursively (arrays by their first element): what the models and the UI rely on. */
function shapeOf(value: unknown): unknown {
  if (Array.isArray(value)) return value.length ? [shapeOf(value[0])] : [];
  if (value && typeof value === "object") {
    return Object.fromEntries(
      Object.entries(value)
        .sort(([a], [b]) => a.localeCompare(b))
        .map(([k, v]) => [k, shapeOf(v)]),
    );
  }
  return value === null ? "null" : typeof value;
}

describe(`health collectors on source PostgreSQL ${major}`, () => {
  it("reads this major's engine, XID figures and capacity in the shape every version returns", async () => {
    const reading = await collect();
    expect(reading.engine).toMatchObject({ engine: "postgresql", major });
    const xid = reading.xid as XidSnapshot;
    expect(xid.nextXid).toBeGreaterThan(0);
    expect(xid.databases.find((d) => d.database === source.name)?.xidAge).toBeGreaterThan(0);
    expect(xid.tables.length).toBeGreaterThan(0);
    expect(shapeOf({ ...xid, blockers: [], vacuums: [] })).toEqual({
      blockers: [],
      catalogs: { count: "number", mxidAge: "number", xidAge: "number" },
      collectedAt: "number",
      databases: [{ allowsConnections: "boolean", database: "string", mxidAge: "number", xidAge: "number" }],
      nextXid: "number",
      settings: {
        autovacuumFreezeMaxAge: "number",
        autovacuumMultixactFreezeMaxAge: "number",
        // the vacuum failsafe arrived in PostgreSQL 14
        vacuumFailsafeAge: major >= 14 ? "number" : "null",
        vacuumMultixactFailsafeAge: major >= 14 ? "number" : "null",
      },
      tables: [{ mxidAge: "number", schema: "string", table: "string", toastIsOlder: "boolean", xidAge: "number" }],
      unavailable: major >= 14 ? [] : [{ reason: "string", view: "string" }],
      vacuums: [],
    });
    expect(shapeOf(reading.capacity)).toEqual({
      collectedAt: "number",
      commitsTotal: "number",
      connections: "number",
      database: "string",
      databaseBytes: "number",
      engine: "string",
      inRecovery: "boolean",
      maxConnections: "number",
      reservedConnections: "number",
      tables: [{ schema: "string", table: "string", totalBytes: "number" }],
      walBytesTotal: "number",
    });
    // what this version cannot give is said (the wraparound page shows it), not left blank
    if (major < 14)
      expect(xid.unavailable).toEqual([{ view: "vacuum_failsafe_age", reason: expect.stringContaining(`PostgreSQL ${major} has no vacuum failsafe`) }]);
    expect(reading.capacity).toMatchObject({ engine: "postgresql", database: source.name });
    if (reading.capacity.engine === "postgresql") expect(reading.capacity.tables.map((t) => t.table)).toContain("documents");
  });

  it("counts XIDs: the counter moves by the XIDs consumed", async () => {
    const before = (await collect()).xid!.nextXid;
    for (let i = 0; i < 25; i++) await source.sql`select txid_current()`;
    expect((await collect()).xid!.nextXid - before).toBeGreaterThanOrEqual(25);
  });

  it("shows an idle-in-transaction backend and a prepared transaction as blockers", async () => {
    const other = await source.sql.reserve();
    const gid = `v_health_${major}_${Date.now()}`;
    try {
      await other`begin`;
      const [{ pid }] = await other<{ pid: number }[]>`select pg_backend_pid() as pid, txid_current()`;
      await source.sql.begin(async (tx) => {
        await tx`insert into documents values (-1, 'prepared')`;
        await tx.unsafe(`prepare transaction '${gid}'`);
      });
      const blockers = await waitFor(
        async () => {
          const { blockers } = (await collect()).xid!;
          const found = blockers.some((b) => b.kind === "backend" && b.pid === pid && b.state === "idle in transaction");
          return found && blockers.some((b) => b.kind === "prepared_transaction" && b.gid === gid) && blockers;
        },
        "both blockers",
        30_000,
      );
      expect(blockers.find((b) => b.kind === "prepared_transaction")).toMatchObject({ database: source.name, xid: expect.any(String) });
    } finally {
      await other`rollback`.catch(() => {});
      other.release();
      await source.sql.unsafe(`rollback prepared '${gid}'`).catch(() => {});
    }
  });

  it("shows a running vacuum with its table and phase", async () => {
    const vacuuming = await source.sql.reserve();
    // Cost-based delay: 100 ms after every page, so the vacuum is still scanning when the collector looks.
    await vacuuming`set vacuum_cost_delay = 100`;
    await vacuuming`set vacuum_cost_limit = 1`;
    const [{ pid }] = await vacuuming<{ pid: number }[]>`select pg_backend_pid() as pid`;
    const running = vacuuming`vacuum documents`.catch((error: Error) => error);
    try {
      const vacuum = await waitFor(
        async () => (await collect()).xid!.vacuums.find((v) => v.pid === pid && v.heapBlocksScanned > 0),
        "the vacuum in progress",
        30_000,
      );
      expect(vacuum).toMatchObject({ database: source.name, relation: "public.documents", phase: "scanning heap", antiWraparound: false });
      expect(vacuum.heapBlocksTotal).toBeGreaterThan(vacuum.heapBlocksScanned);
    } finally {
      await source.sql`select pg_cancel_backend(${pid})`;
      await running;
      vacuuming.release();
    }
  });

  it("stores a cycle's reading of this source in the control database", async () => {
    await runHealthCycle(Date.now(), { control: control.sql, side: (side) => (side === "source" ? source.sql : target.sql) });
    const { latest } = await latestReadings("source", control.sql);
    expect(latest?.ok).toBe(true);
  });
});
