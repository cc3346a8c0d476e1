import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { createControlDatabase } from "../support/control-db";
import { createScratchDatabase, testSourceServerUrl, type ScratchDatabase } from "../support/databases";

// A backfill from the source major under test into the target (main test server): the copy reads the source's
// catalog and keyset pages, the convergence rounds its checksums; it must end converged with identical tables.
const major = inject("testSourceMajor");
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
let model: typeof import("../../app/models/backfill.server");
let worker: typeof import("../../app/backfill/worker.server");
const actor = { type: "user" as const, id: null, label: "engineer@test" };

const ROWS = 5_000;
const LESSONS = `create table lessons (id bigint primary key, title text, minutes int, price numeric(8,2), tags text[], meta jsonb, at timestamptz, day date)`;
const FILL = `insert into lessons select g, 'lesson ' || g, g % 90, g / 4.0, array['t' || (g % 5)], jsonb_build_object('g', g),
  timestamptz '2024-09-01 08:00+00' + g * interval '1.5 minute', date '2024-01-01' + g % 400 from generate_series(1, ${ROWS}) g`;

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("v_bf_ctl"),
    createScratchDatabase("v_bf_src", testSourceServerUrl()),
    createScratchDatabase("v_bf_tgt"),
  ]);
  process.env.CUTOVER_DATABASE_URL = control.url;
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../app/models/backfill.server");
  worker = await import("../../app/backfill/worker.server");
  await source.sql.unsafe(`${LESSONS}; ${FILL}`);
  // The target already holds some rows, 40 of them stale: the copy keeps them, a convergence round repairs them.
  await target.sql.unsafe(`${LESSONS}; ${FILL.replace(`generate_series(1, ${ROWS})`, "generate_series(1001, 1100)")};
    update lessons set title = 'stale' where id <= 1040`);
});

afterAll(async () => {
  const { closeControlDb } = await import("../../app/utils/db.server");
  const { closeSideConnections } = await import("../../app/utils/databases.server");
  await closeSideConnections();
  await closeControlDb();
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

const digest = async (db: ScratchDatabase) => (await db.sql<{ d: string }[]>`select md5(string_agg(l::text, ',' order by id)) as d from lessons l`)[0].d;

describe(`backfill from source PostgreSQL ${major}`, () => {
  it("copies every row, repairs the stale ones and ends converged", async () => {
    const id = await model.createBackfillJob({ schemaName: "public", tableName: "lessons", scope: { kind: "table" }, reason: "test", batchRows: 700 }, actor);
    const { repairSql, sideSql } = await import("../../app/utils/databases.server");
    const sides = { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") };
    await Promise.all([0, 1].map((i) => worker.runBackfillWorker(id, sides, { workerId: `w${i}` })));
    const job = (await model.getBackfillJob(id))!;
    expect(job.status).toBe("converged");
    expect(job.rowsCopied + job.rowsSkippedExisting).toBe(ROWS);
    expect(job.rowsSkippedExisting).toBe(100);
    expect(job.rounds[0]).toMatchObject({ differences: 40, repaired: 40 });
    expect(job.remaining).toBe(0);
    expect(await digest(target)).toBe(await digest(source));
  });
});
