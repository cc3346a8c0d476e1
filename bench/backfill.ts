/**
 * Backfill benchmark: 1,000,000 rows shaped like the demo's documents (uuid key, text, jsonb, timestamptz, text[])
 * from a source database into an empty target on one server. Prints each figure with its target (met / NOT met):
 *   - the COPY pipe: `COPY (SELECT ...) TO STDOUT` on the source piped into `COPY ... FROM STDIN` on the target;
 *   - a real backfill job (2 worker loops in a worker process) into the emptied target: rows/s of its copy phase
 *     and the ratio to the COPY pipe (target >= 0.5x), then its converge round;
 *   - the same job while a writer updates 1% of the source's rows during the copy: rounds until converged
 *     (target <= 3) and rows repaired;
 *   - the worker process's peak RSS (target < 256 MB).
 *   npm run bench:backfill              (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_ROWS=200000 npm run bench:backfill
 */
import { spawn } from "node:child_process";
import { pipeline } from "node:stream/promises";
import postgres from "postgres";
import { benchControlDatabase } from "./support/control-database";

const SERVER = (process.env.BENCH_DATABASE_URL ??= "postgres://postgres@127.0.0.1:5432/postgres");
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);

const TABLE = `
  create table documents (
    id uuid primary key, owner_id text not null, title text not null, metadata jsonb not null,
    tags text[] not null, created_at timestamptz not null
  )`;
// deterministic, generated on the server
const FILL = `
  insert into documents
  select md5(g::text)::uuid, 'u_' || lpad((g % 20000)::text, 6, '0'), 'Document ' || g || ' on ' || md5((g * 7)::text),
         jsonb_build_object('pages', g % 40, 'lang', 'en', 'flags', jsonb_build_array(g % 2 = 0, g % 3 = 0)),
         array['tag' || (g % 10), 'course' || (g % 97)], timestamptz '2024-01-01 00:00:00+00' + g * interval '1 second'
  from generate_series(1, $1::int) g`;

const verdict = (ok: boolean) => (ok ? "met" : "NOT met");
const url = (database: string) => Object.assign(new URL(SERVER), { pathname: `/${database}` }).toString();

async function createDatabase(name: string, fill: boolean) {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const sql = postgres(url(name), { max: 4, onnotice: () => {} });
  await sql.unsafe(TABLE);
  if (fill) {
    await sql.unsafe(FILL, [ROWS]);
    await sql.unsafe(`vacuum analyze documents`);
  }
  return sql;
}

async function dropDatabase(name: string) {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

/** Runs a job in a worker process (2 loops); resolves with its peak RSS. */
function runWorker(jobId: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ["--import", "tsx", "bench/support/backfill-worker.ts", jobId, "2"], {
      env: process.env,
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    let err = "";
    child.stdout.on("data", (d) => (out += d));
    child.stderr.on("data", (d) => (err += d));
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out.trim().split("\n").pop()!).maxRssMb) : reject(new Error(`worker exited ${code}: ${err}`))));
  });
}

async function main() {
  const suffix = process.pid;
  const [sourceName, targetName] = [`bench_bf_source_${suffix}`, `bench_bf_target_${suffix}`];
  console.log(`bench:backfill: ${ROWS.toLocaleString("en")} document rows`);
  const source = await createDatabase(sourceName, true);
  const target = await createDatabase(targetName, false);
  process.env.SOURCE_DATABASE_URL = url(sourceName);
  process.env.TARGET_DATABASE_URL = url(targetName);
  const control = await benchControlDatabase("backfill");
  const { createBackfillJob, getBackfillJob } = await import("../app/models/backfill.server");
  const { closeControlDb } = await import("../app/utils/db.server");
  const actor = { type: "system" as const, id: null, label: "bench" };
  try {
    // 1. the COPY pipe, the bound any row-by-row copy is measured against
    let started = performance.now();
    const reading = await source.unsafe(`copy (select * from documents) to stdout`).readable();
    const writing = await target.unsafe(`copy documents from stdin`).writable();
    await pipeline(reading, writing);
    const copySeconds = (performance.now() - started) / 1000;
    const copyRate = ROWS / copySeconds;
    console.log(`COPY pipe: ${copySeconds.toFixed(1)} s, ${Math.round(copyRate).toLocaleString("en")} rows/s`);
    await target.unsafe(`truncate documents`);
    await target.unsafe(`vacuum analyze documents`);

    // 2. a backfill job into the empty target
    const id = await createBackfillJob({ schemaName: "public", tableName: "documents", scope: { kind: "table" }, workers: 2, reason: "bench" }, actor);
    started = performance.now();
    const rss1 = await runWorker(id);
    const wall = (performance.now() - started) / 1000;
    const job = (await getBackfillJob(id))!;
    const copyPhase = (job.copiedAt!.getTime() - job.startedAt!.getTime()) / 1000;
    const rate = job.rowsCopied / copyPhase;
    console.log(
      `backfill copy: ${job.rowsCopied.toLocaleString("en")} rows in ${copyPhase.toFixed(1)} s, ${Math.round(rate).toLocaleString("en")} rows/s; ` +
        `${(rate / copyRate).toFixed(2)}x the COPY pipe (target >= 0.5x: ${verdict(rate / copyRate >= 0.5)})`,
    );
    const [{ n }] = await target`select count(*)::int as n from documents`;
    console.log(
      `  target rows ${n.toLocaleString("en")} (exact: ${verdict(n === ROWS)}); status ${job.status} after ${job.rounds.length} round(s); whole job incl. planning and converge ${wall.toFixed(1)} s`,
    );

    // 3. the same with a writer changing 1% of the source's rows while the copy runs
    await target.unsafe(`truncate documents`);
    const id2 = await createBackfillJob(
      { schemaName: "public", tableName: "documents", scope: { kind: "table" }, workers: 2, reason: "bench with a writer" },
      actor,
    );
    let updated = 0;
    let writing2 = true;
    const worker2 = runWorker(id2);
    // the writer starts with the copy itself (planning first counts and cuts the key space)
    while (!((await getBackfillJob(id2))!.rowsCopied > 0)) await new Promise((r) => setTimeout(r, 50));
    const writer = (async () => {
      while (writing2 && updated < ROWS / 100) {
        // ~0.02% of the blocks per statement, cheap to sample: scattered rows all over the key space
        const rows = await source`update documents set title = title || ' (edited)', metadata = metadata || '{"edited": true}'
          where id in (select id from documents tablesample system (${Math.max(0.02, 2e6 / ROWS / 100)})) returning 1`;
        updated += rows.length;
        await new Promise((r) => setTimeout(r, 20));
      }
    })();
    for (;;) {
      const j = (await getBackfillJob(id2))!;
      if (j.copiedAt || ["failed", "cancelled"].includes(j.status)) break;
      await new Promise((r) => setTimeout(r, 200));
    }
    writing2 = false;
    await writer;
    const rss2 = await worker2;
    const job2 = (await getBackfillJob(id2))!;
    const repaired = job2.rounds.reduce((s, r) => s + r.repaired, 0);
    console.log(
      `converge with a writer (${updated.toLocaleString("en")} source rows updated during the copy): ${job2.status} after ${job2.rounds.length} round(s) ` +
        `(target <= 3: ${verdict(job2.status === "converged" && job2.rounds.length <= 3)}); differences per round ${job2.rounds.map((r) => r.differences).join(", ")}; rows repaired ${repaired.toLocaleString("en")}`,
    );
    const rss = Math.max(rss1, rss2);
    console.log(`peak RSS of the worker process: ${rss.toFixed(0)} MB (target < 256 MB: ${verdict(rss < 256)})`);
  } finally {
    await closeControlDb();
    await Promise.all([source.end(), target.end()]);
    await Promise.all([dropDatabase(sourceName), dropDatabase(targetName)]);
    await control.drop();
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
