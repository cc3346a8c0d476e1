import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";
import { waitFor } from "../../support/wait-for";

/**
 * A verify job that loses a database mid-job, as in the outage test of `npm start`. The worker process must survive
 * it (no unhandled rejection, which ends a supervised process: the job's cancel poll had none, and neither had
 * postgres.js's start-up query of a new connection, see driver-startup-outage.test.ts). The job must not fail for
 * it: it waits, and a worker resumes it from its finished ranges, each difference recorded once.
 */
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
let controlProxy: TcpProxy;
let sourceProxy: TcpProxy;
let model: typeof import("../../../app/models/reconciliation.server");
let worker: typeof import("../../../app/reconciliation/worker.server");
let interruption: typeof import("../../../app/models/job-interruption.server");

const ROWS = 20_000;
/** Rows whose value differs on the target: one in a thousand. */
const DIFFERING = ROWS / 1000;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);
const actor = { type: "user" as const, id: null, label: "engineer@test" };

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
  controlProxy = await startTcpProxy(control.url);
  sourceProxy = await startTcpProxy(source.url);
  // This process reaches its control DB only through the proxy, which the test makes refuse connections.
  process.env.CUTOVER_DATABASE_URL = controlProxy.url(control.url);
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/reconciliation.server");
  worker = await import("../../../app/reconciliation/worker.server");
  interruption = await import("../../../app/models/job-interruption.server");
  process.on("unhandledRejection", onUnhandled);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await controlProxy?.accept().catch(() => {});
  const { closeControlDb } = await import("../../../app/utils/db.server");
  await closeControlDb();
  await Promise.all([controlProxy?.close(), sourceProxy?.close()]);
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

const stacks = () => unhandled.map((e) => (e instanceof Error ? e.stack : String(e)));

/** A rate cap stretches the verify over several seconds, so an outage falls mid-job. */
const newVerify = (reason: string) =>
  model.createReconciliationJob({ schemaName: "public", tableName: "events", scope: { kind: "table" }, mode: "verify", rowsPerSecond: 2_000, reason }, actor);

/** The mismatch records of the table, and the occurrences reconciliation reported of them (over every job). */
async function storedFindings() {
  const [stored] = await control.sql<{ records: number; occurrences: number }[]>`
    select count(*)::int as records, coalesce(sum(reconciliation_occurrences), 0)::int as occurrences
    from mismatches where table_name = 'events'`;
  return stored;
}

/** The job ended well, and reported each differing row exactly once (a record per row, across jobs). */
async function expectFinishedOnce(jobId: string, before: { occurrences: number }) {
  const job = (await model.getReconciliationJob(jobId))!;
  expect(job.status).toBe("succeeded");
  expect(job.interruptedAt).toBeNull();
  expect(job.valueMismatch).toBe(DIFFERING);
  expect(job.rowsCompared).toBe(ROWS);
  expect(await storedFindings()).toEqual({ records: DIFFERING, occurrences: before.occurrences + DIFFERING });
}

describe("a reconciliation worker when a database goes away", () => {
  it("survives a control DB outage without an unhandled rejection, and the job finishes", async () => {
    const before = await storedFindings();
    const jobId = await newVerify("control outage");
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
    await controlProxy.refuse();
    await new Promise((resolve) => setTimeout(resolve, 3_500));
    await controlProxy.accept();
    release();
    await holder;
    const error = await run;
    expect(error === null || isDatabaseUnavailable(error), `the worker stopped with ${String(error)}`).toBe(true);
    expect(stacks()).toEqual([]);

    // A worker that met the outage ended; the job waits, running, and the next worker (pg-boss's retry, or the
    // resume sweep's) finishes it.
    if (error !== null) {
      expect((await model.getReconciliationJob(jobId))!.status).toBe("running");
      await worker.runReconciliationWorker(jobId, sides, { staleAfterMs: 1_000 });
    }
    await expectFinishedOnce(jobId, before);
  }, 90_000);

  it("waits out a source outage mid-job, says so, and resumes from its finished ranges", async () => {
    const before = await storedFindings();
    const jobId = await newVerify("source outage");
    const viaProxy = postgres(sourceProxy.url(source.url), { max: 4, onnotice: () => {} });
    try {
      const run = worker.runReconciliationWorker(jobId, { source: viaProxy, target: target.sql }).then(
        () => null,
        (error: unknown) => error,
      );
      await waitFor(async () => ((await model.getReconciliationJob(jobId))?.bucketsDone ?? 0) > 0 || null, "a first range done", 15_000);
      await sourceProxy.refuse();
      const error = await run;
      expect(isDatabaseUnavailable(error), `the worker stopped with ${String(error)}`).toBe(true);

      const waiting = (await model.getReconciliationJob(jobId))!;
      expect(waiting.status).toBe("running");
      expect(waiting.error).toBeNull();
      expect(waiting.interruptedAt).not.toBeNull();
      expect(waiting.interruption).toMatch(/ECONN|CONNECT|connect/);
      expect(waiting.bucketsDone).toBeGreaterThan(0);
      expect(waiting.bucketsDone).toBeLessThan(waiting.bucketsTotal!);
      // The stopped worker gave its unfinished ranges back: the resume sweep finds the job at once, and the next
      // worker takes them without waiting for them to go stale.
      const [held] = await control.sql<{ n: number }[]>`
        select count(*)::int as n from reconciliation_ranges where job_id = ${jobId} and not done and claimed_by is not null`;
      expect(held.n).toBe(0);
      expect(await model.jobsNeedingWorkers()).toContain(jobId);

      await sourceProxy.accept();
      await worker.runReconciliationWorker(jobId, { source: viaProxy, target: target.sql });
      await expectFinishedOnce(jobId, before);
      expect(stacks()).toEqual([]);
    } finally {
      await viaProxy.end({ timeout: 1 });
    }
  }, 90_000);

  it("fails a job whose database stays away longer than the limit, and only then", async () => {
    const jobId = await newVerify("long outage");
    const message = "connect ECONNREFUSED 127.0.0.1:5432";
    expect(await interruption.recordInterruption("reconciliation", jobId, message, 60_000)).toBe("waiting");
    expect(interruption.waitingForDatabase("reconciliation", (await model.getReconciliationJob(jobId))!)).toMatchObject({ error: message });
    // The limit counts from the outage's first report, not from the latest.
    expect(await interruption.recordInterruption("reconciliation", jobId, message, 0)).toBe("expired");

    // A worker that meets an outage past the limit fails the job with that reason.
    await sourceProxy.refuse();
    const viaProxy = postgres(sourceProxy.url(source.url), { max: 1, onnotice: () => {} });
    try {
      const error = await worker.runReconciliationWorker(jobId, { source: viaProxy, target: target.sql }, { outageLimitMs: 0 }).then(
        () => null,
        (e: unknown) => e,
      );
      expect(isDatabaseUnavailable(error), String(error)).toBe(true);
    } finally {
      await viaProxy.end({ timeout: 1 });
      await sourceProxy.accept();
    }
    const failed = (await model.getReconciliationJob(jobId))!;
    expect(failed.status).toBe("failed");
    expect(failed.error).toMatch(/stayed unreachable for 0 s: .*ECONNREFUSED/);
    expect(interruption.waitingForDatabase("reconciliation", failed)).toBeNull();
    expect(await interruption.recordInterruption("reconciliation", jobId, message)).toBe("over");
    expect(stacks()).toEqual([]);
  });
});
