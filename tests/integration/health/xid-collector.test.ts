import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type postgres from "postgres";
import { collectXidSnapshot } from "../../../app/health/xid-collector.server";
import { detectEngine } from "../../../app/health/engine.server";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { waitFor } from "../../support/wait-for";

let db: ScratchDatabase;
// Every application table, however many the scratch database has.
const ALL = { topTables: 10_000 };

beforeAll(async () => {
  db = await createScratchDatabase("health_xid");
  await db.sql`create table documents (id bigint primary key, body text)`;
  await db.sql`create table events (id bigint, at timestamptz) partition by range (at)`;
  await db.sql`create table events_2026 partition of events for values from ('2026-01-01') to ('2027-01-01')`;
});

afterAll(async () => {
  await db?.drop();
});

async function consumeXids(count: number) {
  // Each autocommit statement that asks for its XID assigns a fresh one.
  for (let i = 0; i < count; i++) await db.sql`select pg_current_xact_id()`;
}

describe("XID collector on PostgreSQL", () => {
  it("runs on PostgreSQL 13+ and reads the freeze settings of this version", async () => {
    const engine = await detectEngine(db.sql);
    expect(engine.engine).toBe("postgresql");
    if (engine.engine !== "postgresql") return;
    expect(engine.major).toBeGreaterThanOrEqual(13);
    const snapshot = await collectXidSnapshot(db.sql, ALL);
    expect(snapshot.settings.autovacuumFreezeMaxAge).toBeGreaterThan(0);
    if (engine.major >= 14) expect(snapshot.settings.vacuumFailsafeAge).toBeGreaterThan(0);
    else expect(snapshot.settings.vacuumFailsafeAge).toBeNull();
  });

  it("sees database and table ages rise as XIDs are consumed", async () => {
    const before = await collectXidSnapshot(db.sql, ALL);
    await consumeXids(150);
    const after = await collectXidSnapshot(db.sql, ALL);
    expect(after.nextXid - before.nextXid).toBeGreaterThanOrEqual(150);
    const ageOf = (s: typeof before) => s.databases.find((d) => d.database === db.name)!.xidAge;
    expect(ageOf(after) - ageOf(before)).toBeGreaterThanOrEqual(150);
    const tableAge = (s: typeof before) => s.tables.find((t) => t.table === "documents")!.xidAge;
    expect(tableAge(after) - tableAge(before)).toBeGreaterThanOrEqual(150);
  });

  it("lists partitions but not their partitioned parent (relfrozenxid 0 would read as 2^31-1)", async () => {
    const snapshot = await collectXidSnapshot(db.sql, ALL);
    const names = snapshot.tables.map((t) => t.table);
    expect(names).toContain("events_2026");
    expect(names).not.toContain("events");
    expect(Math.max(...snapshot.tables.map((t) => t.xidAge))).toBeLessThan(2 ** 31 - 1);
    const ages = snapshot.tables.map((t) => t.xidAge);
    expect(ages).toEqual([...ages].sort((a, b) => b - a));
  });

  it("lists the application's tables, never a catalog, and counts the catalogs apart", async () => {
    // The catalogs are as old as the database: ranked with them, they filled the whole list.
    const top = await collectXidSnapshot(db.sql, { topTables: 2 });
    expect(top.tables.map((t) => t.table).sort()).toEqual(["documents", "events_2026"]);
    expect(top.tables.every((t) => t.schema === "public")).toBe(true);
    const [{ count }] = await db.sql<{ count: number }[]>`select count(*)::int as count from pg_class c join pg_namespace n on n.oid = c.relnamespace
      where n.nspname in ('pg_catalog', 'information_schema') and c.relkind in ('r', 'm')`;
    expect(top.catalogs?.count).toBe(count);
    expect(top.catalogs!.xidAge).toBeGreaterThanOrEqual(Math.max(...top.tables.map((t) => t.xidAge)));
  });

  it("counts a TOAST table's age with its table", async () => {
    const [toast] = await db.sql<{ toast: string }[]>`
      select t.relname as toast from pg_class c join pg_class t on t.oid = c.reltoastrelid where c.relname = 'documents'`;
    // VACUUM FREEZE of the heap alone leaves the TOAST table as old as before: the reported age must stay.
    await consumeXids(50);
    // The TOAST table's own age, not the pair's: its relfrozenxid can be an XID newer than the heap's.
    const [{ toastAge }] = await db.sql<{ toastAge: number }[]>`select age(relfrozenxid) as "toastAge" from pg_class where relname = ${toast.toast}`;
    await db.sql.unsafe(`vacuum (freeze, process_toast false) documents`);
    const after = await collectXidSnapshot(db.sql, ALL);
    const row = after.tables.find((t) => t.table === "documents")!;
    expect(toast.toast).toMatch(/^pg_toast_/);
    expect(row.xidAge).toBeGreaterThanOrEqual(toastAge);
    expect(row.toastIsOlder).toBe(true);
  });

  it("assigns no XID itself", async () => {
    const assigned = await db.sql.begin(async (tx) => {
      await collectXidSnapshot(tx as unknown as postgres.Sql);
      const [row] = await tx<{ xid: string | null }[]>`select pg_current_xact_id_if_assigned()::text as xid`;
      return row.xid;
    });
    expect(assigned).toBeNull();
  });

  it("shows an open transaction in another connection as the oldest-xmin blocker until it ends", async () => {
    const other = await db.sql.reserve();
    try {
      await other`begin`;
      const [{ pid }] = await other<{ pid: number }[]>`select pg_backend_pid() as pid, pg_current_xact_id()`;
      await consumeXids(20);
      const blocker = await waitFor(async () => {
        const snapshot = await collectXidSnapshot(db.sql, ALL);
        return snapshot.blockers.find((b) => b.kind === "backend" && b.pid === pid && b.state === "idle in transaction");
      }, "the open transaction to appear as a blocker");
      expect(blocker.kind === "backend" && blocker.xid).toBeTruthy();
      expect(blocker.age).toBeGreaterThanOrEqual(20);
      expect(blocker.kind === "backend" && blocker.database).toBe(db.name);
      await other`commit`;
      await waitFor(async () => {
        const snapshot = await collectXidSnapshot(db.sql, ALL);
        return !snapshot.blockers.some((b) => b.kind === "backend" && b.pid === pid);
      }, "the blocker to disappear after commit");
    } finally {
      other.release();
    }
  });

  it("shows a prepared transaction as a blocker", async (context) => {
    const [{ max }] = await db.sql<{ max: number }[]>`select current_setting('max_prepared_transactions')::int as max`;
    if (max === 0) {
      console.warn("SKIPPED prepared-transaction blocker: this server has max_prepared_transactions = 0");
      context.skip();
    }
    const gid = `cutover_health_${db.name}`;
    const other = await db.sql.reserve();
    try {
      await other`begin`;
      await other`select pg_current_xact_id()`;
      await other.unsafe(`prepare transaction '${gid}'`);
      const snapshot = await collectXidSnapshot(db.sql, ALL);
      const blocker = snapshot.blockers.find((b) => b.kind === "prepared_transaction" && b.gid === gid);
      expect(blocker).toMatchObject({ kind: "prepared_transaction", database: db.name });
    } finally {
      // A forgotten prepared transaction would block dropping the database (and freezing) for good.
      await other.unsafe(`rollback prepared '${gid}'`).catch(() => {});
      other.release();
    }
    const after = await collectXidSnapshot(db.sql, ALL);
    expect(after.blockers.some((b) => b.kind === "prepared_transaction" && b.gid === gid)).toBe(false);
  });

  it("shows a logical replication slot's catalog_xmin as a blocker", async (context) => {
    const [{ level }] = await db.sql<{ level: string }[]>`select current_setting('wal_level') as level`;
    if (level !== "logical") {
      console.warn(`SKIPPED replication-slot blocker: wal_level is ${level}, a logical slot needs wal_level=logical`);
      context.skip();
    }
    const slot = `cutover_health_${db.name}`;
    await db.sql`select pg_create_logical_replication_slot(${slot}, 'pgoutput')`;
    try {
      await consumeXids(10);
      const snapshot = await collectXidSnapshot(db.sql, ALL);
      const blocker = snapshot.blockers.find((b) => b.kind === "replication_slot" && b.slot === slot);
      expect(blocker).toMatchObject({ kind: "replication_slot", slotType: "logical", active: false, database: db.name });
      expect(blocker!.kind === "replication_slot" && blocker!.catalogXmin).toBeTruthy();
      expect(blocker!.age).toBeGreaterThanOrEqual(10);
    } finally {
      await db.sql`select pg_drop_replication_slot(${slot})`;
    }
  });

  it("shows a running vacuum with its progress", async () => {
    await db.sql`create table big (id int, pad text)`;
    await db.sql`insert into big select g, repeat('x', 200) from generate_series(1, 20000) g`;
    const vacuumer = await db.sql.reserve();
    const [{ pid }] = await vacuumer<{ pid: number }[]>`select pg_backend_pid() as pid`;
    // Cost-based delay with a tiny budget makes VACUUM nap after every page, long enough to be observed.
    await vacuumer`set vacuum_cost_delay = 100`;
    await vacuumer`set vacuum_cost_limit = 1`;
    const running = vacuumer.unsafe("vacuum (freeze) big").catch((error: Error) => error);
    try {
      // The row shows up while the vacuum is still initializing, its heap total 0: wait for the scan's progress.
      const vacuum = await waitFor(async () => {
        const snapshot = await collectXidSnapshot(db.sql, ALL);
        return snapshot.vacuums.find((v) => v.pid === pid && v.heapBlocksTotal > 0);
      }, "the vacuum to show in pg_stat_progress_vacuum with its heap blocks");
      expect(vacuum).toMatchObject({ database: db.name, relation: "public.big", antiWraparound: false });
      expect(vacuum.heapBlocksTotal).toBeGreaterThan(0);
    } finally {
      await db.sql`select pg_cancel_backend(${pid})`;
      await running;
      vacuumer.release();
    }
  });
});
