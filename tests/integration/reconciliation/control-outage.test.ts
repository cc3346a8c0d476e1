import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";
import { waitFor } from "../../support/wait-for";

/**
 * A verify job whose control DB goes away mid-job, as in the outage test of `npm start`: the worker process must
 * survive it (no unhandled rejection, which ends a supervised process: the job's cancel poll had none, and neither had
 * postgres.js's start-up query of a new connection, see driver-startup-outage.test.ts), and the job must end on record.
 */
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
let proxy: TcpProxy;
let model: typeof import("../../../app/models/reconciliation.server");
let worker: typeof import("../../../app/reconciliation/worker.server");

const ROWS = 20_000;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("recon_outage_ctl"),
    createScratchDatabase("recon_outage_src"),
    createScratchDatabase("recon_outage_tgt"),
  ]);
  for (const db of [source, target]) {
    await db.sql.unsafe(`create table events (id bigint primary key, value int);
      insert into events select g, 0 from generate_series(1, ${ROWS}) g`);
  }
  await target.sql.unsafe(`update events set value = -1 where id % 1000 = 0`);
  proxy = await startTcpProxy(control.url);
  // This process reaches its control DB only through the proxy, which the test makes refuse connections.
  process.env.CUTOVER_DATABASE_URL = proxy.url(control.url);
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/reconciliation.server");
  worker = await import("../../../app/reconciliation/worker.server");
  process.on("unhandledRejection", onUnhandled);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await proxy?.accept().catch(() => {});
  const { closeControlDb } = await import("../../../app/utils/db.server");
  await closeControlDb();
  await proxy?.close();
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

describe("a reconciliation worker when the control DB goes away", () => {
  it("survives it without an unhandled rejection, and the job's end is on record", async () => {
    // A rate cap stretches the verify over several seconds, so the outage falls mid-job.
    const jobId = await model.createReconciliationJob(
      { schemaName: "public", tableName: "events", scope: { kind: "table" }, mode: "verify", rowsPerSecond: 2_000, reason: "outage" },
      { type: "user", id: null, label: "engineer@test" },
    );
    const sides = { source: source.sql, target: target.sql };
    const run = worker.runReconciliationWorker(jobId, sides).then(
      () => null,
      (error: unknown) => error,
    );
    await waitFor(async () => ((await model.getReconciliationJob(jobId))?.status === "running" ? true : null), "the job to run", 15_000);
    // The worker's next read of the source waits on a lock, so during the outage it touches only the control DB's
    // cancel poll (one a second): as when a range scan of a big table outlasts an outage.
    let release!: () => void;
    const released = new Promise<void>((resolve) => (release = resolve));
    let locked!: () => void;
    const lockHeld = new Promise<void>((resolve) => (locked = resolve));
    const holder = source.sql.begin(async (tx) => {
      await tx`lock table events in access exclusive mode`;
      locked();
      await released;
    });
    await lockHeld;
    // The job's range reader waits on the lock: the run cannot end meanwhile.
    await waitFor(
      async () => {
        const [{ n }] = await source.sql<{ n: number }[]>`
          select count(*)::int as n from pg_stat_activity where datname = current_database() and wait_event_type = 'Lock'`;
        return n >= 1;
      },
      "the job's readers to wait on the lock",
      15_000,
    );
    await proxy.refuse();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await proxy.accept();
    release();
    await holder;
    const error = await run;
    expect(error === null || isDatabaseUnavailable(error), `the worker stopped with ${String(error)}`).toBe(true);
    expect(unhandled.map((e) => (e instanceof Error ? e.stack : String(e)))).toEqual([]);

    // The job does not stay "running": its end, with the outage's reason if it failed, is on record.
    const job = (await model.getReconciliationJob(jobId))!;
    expect(["succeeded", "failed"]).toContain(job.status);
    if (job.status === "failed") expect(job.error).toMatch(/ECONN|CONNECT|connect/);
  }, 90_000);
});
