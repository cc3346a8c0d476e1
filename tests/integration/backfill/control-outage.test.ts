import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";

/**
 * A backfill that loses the control DB mid-copy (it waits out the source and the target batch by batch, but its
 * checkpoints go to the control DB): the job must not fail for it, and a worker resumes it from its checkpoints,
 * each row copied once.
 */
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
let proxy: TcpProxy;
type Model = typeof import("../../../app/models/backfill.server");
let model: Model;
let worker: typeof import("../../../app/backfill/worker.server");
const actor = { type: "user" as const, id: null, label: "engineer@test" };
const ROWS = 20_000;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("bf_outage_ctl"),
    createScratchDatabase("bf_outage_src"),
    createScratchDatabase("bf_outage_tgt"),
  ]);
  for (const db of [source, target]) await db.sql.unsafe(`create table lessons (id bigint primary key, title text)`);
  await source.sql.unsafe(`insert into lessons select g, 'lesson ' || g from generate_series(1, ${ROWS}) g`);
  proxy = await startTcpProxy(control.url);
  process.env.CUTOVER_DATABASE_URL = proxy.url(control.url);
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/backfill.server");
  worker = await import("../../../app/backfill/worker.server");
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

describe("a backfill when the control DB goes away", () => {
  it("waits instead of failing, says so, and a worker resumes it from its checkpoints, each row copied once", async () => {
    const id = await model.createBackfillJob(
      { schemaName: "public", tableName: "lessons", scope: { kind: "table" }, rowsPerSecond: 8_000, batchRows: 500, reason: "outage" },
      actor,
    );
    const sides = { source: source.sql, target: target.sql, targetWriter: target.sql };
    // The control DB drops every connection as the first batch's checkpoint is sent (that batch is on the target,
    // unrecorded), and is back at once, as after a failover: the worker stops, and can say why.
    const outage = proxy.refuseOnClientText("update backfill_ranges set cursor");
    const run = worker.runBackfillWorker(id, sides).then(
      () => null,
      (error: unknown) => error,
    );
    await outage;
    await proxy.accept();
    const error = await run;
    expect(isDatabaseUnavailable(error), `the worker stopped with ${String(error)}`).toBe(true);
    expect(unhandled.map((e) => (e instanceof Error ? e.stack : String(e)))).toEqual([]);

    const waiting = (await model.getBackfillJob(id))!;
    expect(waiting.status).toBe("copying");
    expect(waiting.error).toBeNull();
    expect(waiting.interruptedAt).not.toBeNull();
    expect(waiting.interruption).toMatch(/CONNECTION|ECONN|connect/i);
    expect(model.backfillSummary(waiting).waitingForDatabase).toMatchObject({ error: waiting.interruption });
    // The stopped worker gave its range back (its cursor stays): the resume sweep finds the job at once, and the
    // next worker copies on from the checkpoint without waiting for the range to go stale.
    const [held] = await control.sql<{ n: number }[]>`
      select count(*)::int as n from backfill_ranges where job_id = ${id} and not done and claimed_by is not null`;
    expect(held.n).toBe(0);
    expect(await worker.backfillsNeedingWorkers()).toContain(id);
    await worker.runBackfillWorker(id, sides);

    const job = (await model.getBackfillJob(id))!;
    expect(job.status).toBe("converged");
    expect(job.interruptedAt).toBeNull();
    expect(model.backfillSummary(job).waitingForDatabase).toBeNull();
    const [copied] = await target.sql<{ n: number; distinct: number }[]>`select count(*)::int as n, count(distinct id)::int as distinct from lessons`;
    expect(copied).toEqual({ n: ROWS, distinct: ROWS });
  }, 120_000);

  it("cancels a waiting job at once, with its converge round's waiting verify: no worker is left to do it", async () => {
    const reconciliation = await import("../../../app/models/reconciliation.server");
    const id = await model.createBackfillJob({ schemaName: "public", tableName: "lessons", scope: { kind: "table" }, reason: "to cancel" }, actor);
    const verify = await reconciliation.createReconciliationJob(
      { schemaName: "public", tableName: "lessons", scope: { kind: "table" }, mode: "verify", reason: `backfill ${id}: converge round 1` },
      actor,
    );
    // Both stopped on an outage: the backfill in its converge round, the round's verify mid-way.
    await control.sql`update reconciliation_jobs set status = 'running', interrupted_at = now(), interruption = 'connect ECONNREFUSED' where id = ${verify}`;
    await control.sql`update backfill_jobs set status = 'converging', converge_verify_id = ${verify}, interrupted_at = now(),
      interruption = 'connect ECONNREFUSED' where id = ${id}`;
    expect(await model.requestBackfillCancel(id, actor)).not.toBeNull();
    expect((await model.getBackfillJob(id))!.status).toBe("cancelled");
    expect((await reconciliation.getReconciliationJob(verify))!.status).toBe("cancelled");
    // nothing is left for the sweeps
    expect(await worker.backfillsNeedingWorkers()).not.toContain(id);
    expect(await reconciliation.jobsNeedingWorkers()).not.toContain(verify);
  });
});
