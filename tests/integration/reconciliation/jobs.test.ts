import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { waitFor } from "../../support/wait-for";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;
type Model = typeof import("../../../app/models/reconciliation.server");
let worker: typeof import("../../../app/reconciliation/worker.server");
let model: Model;
const actor = { type: "user" as const, id: null, label: "engineer@test" };

const ROWS = 20_000;
// every 97th row differs (a third missing, the rest changed): 206 differences spread over the whole key space
const EXPECTED = new Map<string, string>();
for (let id = 1; id <= ROWS; id++) {
  if (id % 97 !== 0) continue;
  EXPECTED.set(String(id), ["missing_in_target", "value_mismatch", "value_mismatch"][(id / 97) % 3]);
}

beforeAll(async () => {
  [control, source, target] = await Promise.all([
    createControlDatabase("recon_jobs_ctl"),
    createScratchDatabase("recon_jobs_src"),
    createScratchDatabase("recon_jobs_tgt"),
  ]);
  for (const db of [source, target]) {
    await db.sql.unsafe(`create table lessons (id bigint primary key, title text, minutes int, at timestamptz);
      insert into lessons select g, 'lesson ' || g, g % 90, timestamptz '2024-09-01 08:00+00' + g * interval '1 minute' from generate_series(1, ${ROWS}) g`);
  }
  await target.sql.unsafe(`delete from lessons where id % 97 = 0 and (id / 97) % 3 = 0;
    update lessons set minutes = minutes + 1 where id % 97 = 0 and (id / 97) % 3 <> 0`);
  process.env.CUTOVER_DATABASE_URL = control.url;
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../../app/models/reconciliation.server");
  worker = await import("../../../app/reconciliation/worker.server");
});

afterAll(async () => {
  const { closeControlDb } = await import("../../../app/utils/db.server");
  await closeControlDb();
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

function startChild(jobId: string): ChildProcess {
  return spawn(process.execPath, ["--import", "tsx", "tests/integration/reconciliation/worker-child.ts", jobId], {
    env: { ...process.env },
    stdio: ["ignore", "ignore", "pipe"],
  });
}

async function recordsOf(jobId: string) {
  return control.sql<{ key: string; kind: string; occurrences: number }[]>`
    select primary_key ->> 'id' as key, kind::text, occurrences from mismatches where reconciliation_job_id = ${jobId} order by 1`;
}

describe("reconciliation jobs", () => {
  it("resumes after SIGKILL with the same final set of mismatches, none lost, none duplicated", async () => {
    // a rows-per-second cap keeps the child busy long enough to be killed in the middle
    const jobId = await model.createReconciliationJob(
      { schemaName: "public", tableName: "lessons", scope: { kind: "table" }, mode: "verify", rowsPerSecond: 8_000, reason: "SIGKILL test" },
      actor,
    );
    const child = startChild(jobId);
    const exited = new Promise((resolve) => child.on("exit", resolve));
    await waitFor(async () => (await model.getReconciliationJob(jobId))!.bucketsDone > 0, "the child to finish a range", 45_000);
    child.kill("SIGKILL");
    await exited;
    const mid = (await model.getReconciliationJob(jobId))!;
    expect(mid.status).toBe("running");
    expect(mid.bucketsDone).toBeLessThan(mid.bucketsTotal!);
    expect(await model.jobsNeedingWorkers()).toEqual([jobId]);

    // a new worker takes the abandoned range over once its heartbeat is stale, and finishes the job
    await worker.runReconciliationWorker(jobId, { source: source.sql, target: target.sql }, { staleAfterMs: 200 });
    const job = (await model.getReconciliationJob(jobId))!;
    expect(job.status).toBe("succeeded");
    expect(job.bucketsDone).toBe(job.bucketsTotal);
    expect(job.rowsCompared).toBe(ROWS);
    const expectedCounts = { missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 } as Record<string, number>;
    for (const kind of EXPECTED.values()) expectedCounts[kind]++;
    expect(model.countsOf(job)).toEqual(expectedCounts);
    const records = await recordsOf(jobId);
    expect(records.map((r) => `${r.key}:${r.kind}`).sort()).toEqual([...EXPECTED].map(([k, v]) => `${k}:${v}`).sort());
    expect(records.every((r) => r.occurrences === 1)).toBe(true);
  });

  it("cancels within seconds", async () => {
    const jobId = await model.createReconciliationJob(
      { schemaName: "public", tableName: "lessons", scope: { kind: "table" }, mode: "verify", rowsPerSecond: 2_000, reason: "cancel test" },
      actor,
    );
    const running = worker.runReconciliationWorker(jobId, { source: source.sql, target: target.sql });
    await waitFor(async () => (await model.getReconciliationJob(jobId))!.status === "running", "the job to start", 45_000);
    const asked = Date.now();
    await model.requestCancel(jobId, actor);
    await running;
    expect(Date.now() - asked).toBeLessThan(5_000);
    const job = (await model.getReconciliationJob(jobId))!;
    expect(job.status).toBe("cancelled");
    expect(job.bucketsDone).toBeLessThan(job.bucketsTotal!);
  });

  it("reports schema drift on the job instead of crashing", async () => {
    const jobId = await model.createReconciliationJob({ schemaName: "public", tableName: "missing_table", scope: { kind: "table" }, mode: "verify" }, actor);
    await worker.runReconciliationWorker(jobId, { source: source.sql, target: target.sql });
    const job = (await model.getReconciliationJob(jobId))!;
    expect(job.status).toBe("failed");
    expect(job.drift[0]).toMatchObject({ kind: "missing_table", side: "both" });
  });
});
