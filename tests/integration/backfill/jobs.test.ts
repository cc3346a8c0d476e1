import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { waitFor } from "../../support/wait-for";

let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
type Model = typeof import("../../../app/models/backfill.server");
type Worker = typeof import("../../../app/backfill/worker.server");
let model: Model;
let worker: Worker;
const actor = { type: "user" as const, id: null, label: "engineer@test" };

const ROWS = 20_000;
const LESSONS = `create table lessons (id bigint primary key, title text, minutes int, tags text[], meta jsonb, at timestamptz)`;
const FILL = `insert into lessons select g, 'lesson ' || g, g % 90, array['t' || (g % 5)], jsonb_build_object('g', g), timestamptz '2024-09-01 08:00+00' + g * interval '1 minute' from generate_series(1, ${ROWS}) g`;

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("bf_jobs_ctl"),
    createScratchDatabase("bf_jobs_src"),
    createScratchDatabase("bf_jobs_tgt"),
  ]);
  process.env.CUTOVER_DATABASE_URL = control.url;
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/backfill.server");
  worker = await import("../../../app/backfill/worker.server");
});

beforeEach(async () => {
  await source.sql.unsafe(`drop table if exists lessons; ${LESSONS}; ${FILL}`);
  await target.sql.unsafe(`drop table if exists lessons; drop sequence if exists attempts; ${LESSONS}`);
});

afterAll(async () => {
  const { closeControlDb } = await import("../../../app/utils/db.server");
  const { closeSideConnections } = await import("../../../app/utils/databases.server");
  await closeSideConnections();
  await closeControlDb();
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

async function sides() {
  const { repairSql, sideSql } = await import("../../../app/utils/databases.server");
  return { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") };
}

async function runJob(id: string, workers = 2) {
  const s = await sides();
  await Promise.all(Array.from({ length: workers }, (_, i) => worker.runBackfillWorker(id, s, { workerId: `w${i}` })));
  return (await model.getBackfillJob(id))!;
}

const newJob = (extra: Partial<Parameters<Model["createBackfillJob"]>[0]> = {}) =>
  model.createBackfillJob({ schemaName: "public", tableName: "lessons", scope: { kind: "table" }, reason: "test", ...extra }, actor);

async function targetCount() {
  const [row] = await target.sql<{ n: number; distinct: number }[]>`select count(*)::int as n, count(distinct id)::int as distinct from lessons`;
  return row;
}

describe("backfill jobs", () => {
  it("copies the exact rows into an empty target with two workers, no duplicates, and ends converged", async () => {
    const id = await newJob({ batchRows: 1_000 });
    const job = await runJob(id, 2);
    expect(job.status).toBe("converged");
    expect(job.rowsCopied).toBe(ROWS);
    expect(job.rowsSkippedExisting).toBe(0);
    expect(job.rangesDone).toBe(job.rangesTotal);
    expect(await targetCount()).toEqual({ n: ROWS, distinct: ROWS });
    expect(job.rounds).toHaveLength(1);
    expect(job.rounds[0]).toMatchObject({ round: 1, differences: 0 });
    expect(job.remaining).toBe(0);
    const [audit] = await control.sql`select action from audit_log where entity_type = 'backfill' and entity_id = ${id}`;
    expect(audit.action).toBe("backfill.start");
  });

  it("resumes after SIGKILL from the checkpoints: finished ranges are not copied again, exact count, no duplicates", async () => {
    // a rows-per-second cap keeps the child busy long enough to be killed in the middle
    const id = await newJob({ rowsPerSecond: 4_000, batchRows: 200, workers: 1 });
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/backfill/worker-child.ts", id], {
      env: { ...process.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await waitFor(async () => (await model.getBackfillJob(id))!.rangesDone >= 3, "the child to finish some ranges", 45_000);
    child.kill("SIGKILL");
    await exited;
    const mid = (await model.getBackfillJob(id))!;
    expect(mid.status).toBe("copying");
    expect(mid.rangesDone).toBeLessThan(mid.rangesTotal!);
    const finished = await control.sql<{ index: number; rows_copied: number }[]>`
      select index, rows_copied::int from backfill_ranges where job_id = ${id} and done order by index`;
    await control.sql`update backfill_jobs set rows_per_second = null where id = ${id}`;
    // a new worker takes the dead one's range over once it is stale (0 ms here, instead of waiting 15 s)
    const s = await sides();
    await worker.runBackfillWorker(id, s, { workerId: "after-kill", staleAfterMs: 0 });
    const job = (await model.getBackfillJob(id))!;
    expect(job.status).toBe("converged");
    expect(await targetCount()).toEqual({ n: ROWS, distinct: ROWS });
    const again = await control.sql<{ index: number; rows_copied: number; claims: number }[]>`
      select index, rows_copied::int, claims from backfill_ranges where job_id = ${id} and index = any(${finished.map((f) => f.index)}::int[]) order by index`;
    expect(again.map((r) => ({ index: r.index, rows_copied: r.rows_copied }))).toEqual(finished);
    expect(again.every((r) => r.claims === 1)).toBe(true);
    // inserted + already there (at most the one batch the kill left unrecorded) is every row, once
    expect(job.rowsCopied + job.rowsSkippedExisting).toBe(ROWS);
    expect(job.rowsSkippedExisting).toBeLessThanOrEqual(200);
  });

  it("a runner taking the converge phase over goes on with the round's verify instead of starting a second one", async () => {
    const id = await newJob({ rowsPerSecond: 4_000, workers: 1 });
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/backfill/worker-child.ts", id], {
      env: { ...process.env },
      stdio: ["ignore", "ignore", "pipe"],
    });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    const verifyId = await waitFor(
      async () => {
        const [row] = await control.sql<{ verifyId: string | null }[]>`select converge_verify_id as "verifyId" from backfill_jobs where id = ${id}`;
        if (!row?.verifyId) return null;
        const [ranges] = await control.sql`select count(*) filter (where done)::int as done from reconciliation_ranges where job_id = ${row.verifyId}`;
        return ranges.done > 0 ? row.verifyId : null;
      },
      "the first round's verify to compare some ranges",
      45_000,
    );
    child.kill("SIGKILL");
    await exited;
    expect((await model.getBackfillJob(id))!.status).toBe("converging");
    // The dead runner's claims go stale (at once here, instead of after a minute), and the throttle is lifted.
    await control.sql`update backfill_jobs set converge_heartbeat_at = now() - interval '1 day', rows_per_second = null where id = ${id}`;
    await control.sql`update reconciliation_ranges set heartbeat_at = now() - interval '1 day' where job_id = ${verifyId} and not done`;
    await control.sql`update reconciliation_jobs set rows_per_second = null where id = ${verifyId}`;

    const s = await sides();
    await worker.runBackfillWorker(id, s, { workerId: "after-kill" });
    const job = (await model.getBackfillJob(id))!;
    expect(job.status).toBe("converged");
    expect(job.rounds.map((r) => r.reconciliationJobId)).toEqual([verifyId]);
    const verifies = await control.sql`select id from reconciliation_jobs where reason = ${`backfill ${id}: converge round 1`}`;
    expect(verifies.map((v) => v.id)).toEqual([verifyId]);
    const [after] = await control.sql`select converge_verify_id from backfill_jobs where id = ${id}`;
    expect(after.converge_verify_id).toBeNull();
  });

  it("never overwrites a row a mirrored write put on the target while copying", async () => {
    await target.sql`insert into lessons (id, title, minutes) values (5000, 'written by the application', 1)`;
    const { describeCopyTable } = await import("../../../app/backfill/table");
    const { copyRange } = await import("../../../app/backfill/copy");
    const { RowRateLimiter } = await import("../../../app/reconciliation/rate-limit");
    const s = await sides();
    const { table } = await describeCopyTable(s.source, s.targetWriter, "public", "lessons");
    let inserted = 0;
    let skipped = 0;
    await copyRange(
      table!,
      { source: s.source, target: s.targetWriter },
      { lower: null, upper: null, cursor: null },
      { kind: "table" },
      {
        batchRows: 3_000,
        batchBytes: 1 << 20,
        statementTimeoutMs: 30_000,
        limiter: new RowRateLimiter(null),
        onBatch: async (b) => {
          inserted += b.inserted;
          skipped += b.skipped;
        },
      },
    );
    expect({ inserted, skipped }).toEqual({ inserted: ROWS - 1, skipped: 1 });
    const [row] = await target.sql`select title, minutes from lessons where id = 5000`;
    expect(row).toEqual({ title: "written by the application", minutes: 1 });
  });

  it("converges within 3 rounds while a writer changes the source during the copy", async () => {
    const id = await newJob({ rowsPerSecond: 20_000, batchRows: 500 });
    let writing = true;
    let writes = 0;
    const writer = (async () => {
      while (writing) {
        const key = 1 + Math.floor(Math.random() * ROWS);
        await source.sql`update lessons set minutes = minutes + 1, meta = meta || '{"w": 1}' where id = ${key}`;
        if (writes % 50 === 0) await source.sql`insert into lessons (id, title, minutes) values (${ROWS + writes + 1}, 'new', 0)`;
        writes++;
      }
    })();
    const running = runJob(id, 2);
    // the writer stops when the copy is done: a writer that never stops is a mirrored write's job, not a backfill's
    await waitFor(async () => (await model.getBackfillJob(id))!.copiedAt, "the copy to finish", 60_000);
    writing = false;
    await writer;
    const job = await running;
    expect(writes).toBeGreaterThan(20);
    expect(job.status).toBe("converged");
    expect(job.rounds.length).toBeLessThanOrEqual(3);
    expect(job.rounds[0].differences).toBeGreaterThan(0);
    expect(job.rounds[0].repaired).toBe(job.rounds[0].differences);
    const [diff] = await source.sql.unsafe(`select count(*)::int as n from lessons`);
    expect((await targetCount()).n).toBe(diff.n);
  });

  it("a converge round waits for the verify's last range that another worker is still comparing", async () => {
    const id = await newJob({ rowsPerSecond: 10_000, workers: 1 });
    const s = await sides();
    const running = worker.runBackfillWorker(id, s, { workerId: "w0" });
    // Play a worker of the reconciliation queue (the resume sweep sends one to any verify with pending ranges): take
    // the round's last range as soon as it is planned; the round's own worker claims ranges in order, so it is free.
    const taken = await waitFor(async () => {
      const [row] = await control.sql<{ jobId: string; index: number }[]>`
        update reconciliation_ranges r set claimed_by = 'queue-worker', heartbeat_at = now()
        from reconciliation_jobs j
        where j.id = r.job_id and j.reason = ${`backfill ${id}: converge round 1`} and not r.done and r.claimed_by is null
          and r.index = (select max(index) from reconciliation_ranges where job_id = j.id)
        returning r.job_id as "jobId", r.index`;
      return row ?? null;
    }, "the round's verify to be planned");
    await waitFor(
      async () => {
        const [left] = await control.sql`select count(*)::int as n from reconciliation_ranges where job_id = ${taken.jobId} and not done`;
        return left.n === 1;
      },
      "the round's worker to finish every other range",
      30_000,
    );
    // The round's worker has left the verify running. Reading it now (as the round once did) fails the backfill within
    // milliseconds; a round that waits is still converging a second later.
    await new Promise((resolve) => setTimeout(resolve, 1_000));
    expect((await model.getBackfillJob(id))!.status).toBe("converging");

    // The other worker finishes its range (released and taken over, as after its lease); the round goes on.
    await control.sql`update reconciliation_ranges set claimed_by = null where job_id = ${taken.jobId} and index = ${taken.index}`;
    const { runReconciliationWorker } = await import("../../../app/reconciliation/worker.server");
    await runReconciliationWorker(taken.jobId, { source: s.source, target: s.target }, { workerId: "queue-worker-2" });
    await running;
    const job = (await model.getBackfillJob(id))!;
    expect(job.status).toBe("converged");
    expect(job.rounds.map((r) => r.reconciliationJobId)).toEqual([taken.jobId]);
  });

  it("retries SQLSTATE 40001 from the target instead of failing", async () => {
    await target.sql.unsafe(`create sequence attempts;
      create function refuse_first() returns trigger language plpgsql as $$
      begin
        -- a sequence is not rolled back with the failed statement: it counts attempts
        if nextval('attempts') <= 3 then raise exception 'restart transaction' using errcode = '40001'; end if;
        return null;
      end $$;
      create trigger refuse_first before insert on lessons for each statement execute function refuse_first()`);
    const id = await newJob({ workers: 1 });
    const job = await runJob(id, 1);
    expect(job.status).toBe("converged");
    expect(job.rowsCopied).toBe(ROWS);
    const [{ last_value }] = await target.sql`select last_value::int from attempts`;
    expect(last_value).toBeGreaterThan(3);
  });

  it("sets aside rows the target refuses, with its error, and goes on", async () => {
    await target.sql.unsafe(`alter table lessons add constraint short check (minutes < 88)`);
    const id = await newJob({ maxRounds: 1, workers: 1 });
    const job = await runJob(id, 1);
    const refused = (ROWS / 90) * 2; // minutes 88 and 89
    expect(job.rowsSetAside).toBeGreaterThanOrEqual(Math.floor(refused));
    expect(job.rowsCopied + job.rowsSetAside).toBe(ROWS);
    const rows = await model.listSetAsideRows(id, 1000);
    expect(rows[0].error).toMatch(/short/);
    expect(rows[0].sqlstate).toBe("23514");
    expect(job.status).toBe("not_converged");
    expect(job.remaining).toBe(job.rowsSetAside);
  });

  it("cancels within about a second, audited", async () => {
    const id = await newJob({ rowsPerSecond: 1_000, workers: 1 });
    const running = runJob(id, 1);
    await waitFor(async () => (await model.getBackfillJob(id))!.rowsCopied > 0, "the copy to start", 45_000);
    await model.requestBackfillCancel(id, actor);
    const job = await running;
    expect(job.status).toBe("cancelled");
    const [audit] = await control.sql`select count(*)::int as n from audit_log where entity_id = ${id} and action = 'backfill.cancel'`;
    expect(audit.n).toBe(1);
  });

  it("a worker process runs the next backfill while a throttled one is still copying", async () => {
    await source.sql.unsafe(`drop table if exists tiny; create table tiny (id int primary key); insert into tiny select generate_series(1, 100)`);
    await target.sql.unsafe(`drop table if exists tiny; create table tiny (id int primary key)`);
    const { getBoss, stopBoss } = await import("../../../app/jobs/boss.server");
    const { dispatchBackfill, registerBackfillJobs } = await import("../../../app/jobs/backfill.server");
    const boss = await getBoss({ worker: true });
    try {
      await registerBackfillJobs(boss);
      // 20,000 rows at 200 rows/s: minutes, as the demo's throttled backfill
      const slow = await newJob({ rowsPerSecond: 200, batchRows: 50, workers: 1 });
      await dispatchBackfill(boss, slow, 1);
      // a worker stopped by an outage is sent again within seconds (pg-boss's backoff), not hours
      const [sent] = await control.sql`select retry_limit, retry_delay, retry_backoff from pgboss.job where name = 'backfill.run' and data->>'jobId' = ${slow}`;
      expect(sent).toEqual({ retry_limit: 3, retry_delay: 5, retry_backoff: true });
      await waitFor(async () => (await model.getBackfillJob(slow))!.status === "copying", "the throttled job to start copying", 30_000);
      const next = await model.createBackfillJob({ schemaName: "public", tableName: "tiny", scope: { kind: "table" }, reason: "queued behind it" }, actor);
      await dispatchBackfill(boss, next, 1);
      await waitFor(async () => (await model.getBackfillJob(next))!.status === "converged", "the next job to converge", 60_000);
      expect((await model.getBackfillJob(slow))!.status).toBe("copying");
      await model.requestBackfillCancel(slow, actor);
    } finally {
      await stopBoss();
    }
  });
});
