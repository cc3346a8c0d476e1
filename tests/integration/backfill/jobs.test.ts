import { spawn } from "node:child_process";
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
type Model = typeof import("../../../app/models/backfill.server");
type Worker = typeof import("../../../app/models/backfill-worker.server");
let model: Model;
let worker: Worker;
const actor = { type: "user" as const, id: null, label: "engineer@test" };

const ROWS = 20_000;
const LESSONS = `create table lessons (id bigint primary key, title text, minutes int, tags text[], meta jsonb, at timestamptz)`;
const FILL = `insert into lessons select g, 'lesson ' || g, g % 90, array['t' || (g % 5)], jsonb_build_object('g', g), timestamptz '2024-09-01 08:00+00' + g * interval '1 minute' from generate_series(1, ${ROWS}) g`;

beforeAll(async () => {
  [control, source, target] = await Promise.all([createControlDatabase("bf_jobs_ctl"), createScratchDatabase("bf_jobs_src"), createScratchDatabase("bf_jobs_tgt")]);
  process.env.CUTOVER_DATABASE_URL = control.url;
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/backfill.server");
  worker = await import("../../../app/models/backfill-worker.server");
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

async function waitFor<T>(probe: () => Promise<T | null | undefined | false>, what: string, timeoutMs = 45_000): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

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
    const child = spawn(process.execPath, ["--import", "tsx", "tests/integration/backfill/worker-child.ts", id], { env: { ...process.env }, stdio: ["ignore", "ignore", "pipe"] });
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await waitFor(async () => (await model.getBackfillJob(id))!.rangesDone >= 3, "the child to finish some ranges");
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

  it("never overwrites a row a mirrored write put on the target while copying", async () => {
    await target.sql`insert into lessons (id, title, minutes) values (5000, 'written by the application', 1)`;
    const { describeCopyTable } = await import("../../../app/backfill/table");
    const { copyRange } = await import("../../../app/backfill/copy");
    const { RowRateLimiter } = await import("../../../app/reconciliation/rate-limit");
    const s = await sides();
    const { table } = await describeCopyTable(s.source, s.targetWriter, "public", "lessons");
    let inserted = 0;
    let skipped = 0;
    await copyRange(table!, { source: s.source, target: s.targetWriter }, { lower: null, upper: null, cursor: null }, { kind: "table" }, {
      batchRows: 3_000,
      batchBytes: 1 << 20,
      statementTimeoutMs: 30_000,
      limiter: new RowRateLimiter(null),
      onBatch: async (b) => {
        inserted += b.inserted;
        skipped += b.skipped;
      },
    });
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
    const refused = ROWS / 90 * 2; // minutes 88 and 89
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
    await waitFor(async () => (await model.getBackfillJob(id))!.rowsCopied > 0, "the copy to start");
    await model.requestBackfillCancel(id, actor);
    const job = await running;
    expect(job.status).toBe("cancelled");
    const [audit] = await control.sql`select count(*)::int as n from audit_log where entity_id = ${id} and action = 'backfill.cancel'`;
    expect(audit.n).toBe(1);
  });
});
