/**
 * Reconciliation benchmark: a 1,000,000-row table (bigint key + 8 mixed columns) in two databases on one server.
 * Prints each figure with its target (met / NOT met):
 *   - the bare bound: both sides' `select md5(row text)` scan in parallel (no normalization, no comparison);
 *   - identical tables (rows/s and the ratio to the bare bound, in wall time and in database CPU time);
 *   - 50 scattered differences (found exactly? time relative to identical);
 *   - identical tables with three active normalization rules (numeric scale, timestamp precision, trailing
 *     spaces): rows/s and the ratio to the same run without rules (target >= 0.8x);
 *   - 1% of rows different (ordered streaming, rows/s);
 *   - owner classification on the 1%-different tables (0.1% of rows also missing): the owner column read with
 *     every differing row and each missing row's owner evaluated with the shared rollout evaluation, vs the same
 *     run without an owner column (target >= 0.8x);
 *   - a real job on the identical tables, run by a worker process: its rate and peak RSS;
 *   - a real job on the 1%-different tables, run by a worker process: the time from the job starting to stream
 *     to the first mismatch readable by the triage model (what the job and triage pages show), and the
 *     worker's peak RSS.
 * Database CPU time is read from /proc for the backends of the two databases (when the server runs on this
 * machine): it stays meaningful on a busy machine, where wall times do not.
 *   npm run bench:reconcile              (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_ROWS=200000 npm run bench:reconcile
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import postgres from "postgres";
import { createRuleResolver, type NormalizationRule } from "../app/normalization";
import { reconcileTable } from "../app/reconciliation/engine";
import { splitByExpectedState } from "../app/reconciliation/expected-state";
import type { ReconcileOptions } from "../app/reconciliation/types";
import { compileRuleset, evaluate } from "../app/rollout/evaluate";
import type { Ruleset } from "../app/rollout/types";
import { benchControlDatabase } from "./support/control-database";

const SERVER = process.env.BENCH_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres";
const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const CONCURRENCY = Number(process.env.BENCH_CONCURRENCY ?? 2);

const TABLE = `
  create table accounts (
    id bigint primary key, name text, email text, balance numeric(12,2), score float8,
    active boolean, created_at timestamptz, birthday date, external_id uuid
  )`;
// deterministic, generated on the server: both databases get the same rows without any transfer
const FILL = `
  insert into accounts
  select g, 'user ' || g, 'user' || g || '@example.edu', (g % 100000) * 1.37, g / 3.0, g % 3 <> 0,
         timestamptz '2020-01-01 00:00:00+00' + g * interval '1.234567 second', date '1970-01-01' + (g % 20000),
         md5(g::text)::uuid
  from generate_series(1, $1::int) g`;

/** Three rules on identical data (nothing for them to cover): what applying rules costs a row. */
const rule = (id: string, column: string, kind: string, extra = {}) =>
  ({ id, table: "accounts", column, kind, author: "bench", reason: "bench", expiresAt: null, ...extra }) as NormalizationRule;
const BENCH_RULES: NormalizationRule[] = [
  rule("r1", "balance", "numeric_scale"),
  rule("r2", "created_at", "timestamp_precision", { digits: 3 }),
  rule("r3", "name", "trailing_spaces"),
];

/** Half of the users in a dual_write cohort, the rest on source_only. */
const BENCH_RULESET: Ruleset = {
  version: 1,
  defaultMode: "source_only",
  emergency: null,
  pins: [],
  cohorts: [{ id: "c1", name: "half", priority: 1, mode: "dual_write", percentBasisPoints: 5000, salt: "half", constraints: {} }],
};

function url(database: string) {
  const u = new URL(SERVER);
  u.pathname = `/${database}`;
  return u.toString();
}

async function createDatabase(name: string) {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const sql = postgres(url(name), { max: CONCURRENCY + 2, onnotice: () => {} });
  await sql.unsafe(TABLE);
  await sql.unsafe(FILL, [ROWS]);
  await sql.unsafe(`vacuum analyze accounts`);
  return sql;
}

async function dropDatabase(name: string) {
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US");
const verdict = (met: boolean) => (met ? "met" : "NOT met");

/** CPU milliseconds used so far by the backends connected to these databases; null when /proc cannot tell. */
async function backendCpuMs(admin: postgres.Sql, databases: string[]): Promise<number | null> {
  const rows = await admin<{ pid: number }[]>`select pid from pg_stat_activity where datname = any(${databases})`;
  let ticks = 0;
  try {
    for (const { pid } of rows) {
      const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1].split(" ");
      ticks += Number(fields[11]) + Number(fields[12]);
    }
  } catch {
    return null;
  }
  return ticks * 10; // USER_HZ is 100 on Linux
}

interface Measured<T> {
  result: T;
  wallMs: number;
  dbCpuMs: number | null;
  workerCpuMs: number;
}

async function measure<T>(admin: postgres.Sql, databases: string[], run: () => Promise<T>): Promise<Measured<T>> {
  const db0 = await backendCpuMs(admin, databases);
  const js0 = process.cpuUsage();
  const t0 = performance.now();
  const result = await run();
  const wallMs = performance.now() - t0;
  const js = process.cpuUsage(js0);
  const db1 = await backendCpuMs(admin, databases);
  return { result, wallMs, dbCpuMs: db0 === null || db1 === null ? null : db1 - db0, workerCpuMs: (js.user + js.system) / 1000 };
}

const cpuText = (m: Measured<unknown>) =>
  m.dbCpuMs === null ? "database CPU n/a" : `database CPU ${fmt(m.dbCpuMs)} ms (${((m.dbCpuMs * 1000) / ROWS / 2).toFixed(2)} µs per row per side)`;

async function main() {
  const suffix = process.pid;
  const names = [`bench_recon_src_${suffix}`, `bench_recon_tgt_${suffix}`];
  const t0 = Date.now();
  const [source, target] = await Promise.all(names.map(createDatabase));
  console.log(`setup: ${fmt(ROWS)} rows in each of 2 databases in ${((Date.now() - t0) / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`);
  const admin = postgres(SERVER, { max: 1, onnotice: () => {} });
  try {
    // bare bound: what reading and hashing every row costs, with no normalization and no comparison
    // (parallel workers off: their CPU time could not be counted; both sides still run at once)
    const bare = await measure(admin, names, () =>
      Promise.all(
        [source, target].map((sql) =>
          sql.begin(async (tx) => {
            await tx.unsafe(`set local max_parallel_workers_per_gather = 0`);
            return tx.unsafe(`select count(md5(a::text)) from accounts a`);
          }),
        ),
      ),
    );
    console.log(
      `bare bound (md5(row text) scan, both sides in parallel): ${fmt(bare.wallMs)} ms = ${fmt((ROWS / bare.wallMs) * 1000)} rows/s, ${cpuText(bare)}`,
    );

    // engine runs re-read once after 100 ms (no in-flight window): the figures stay comparable with earlier ones;
    // the jobs below use the default 5 s window
    const run = (strategy: "auto" | "stream" = "auto", extra: Partial<ReconcileOptions> = {}) =>
      measure(admin, names, () =>
        reconcileTable(source, target, { table: "accounts", concurrency: CONCURRENCY, recheckDelayMs: 100, inFlightWindowMs: 0, strategy, ...extra }),
      );
    const ratios = (m: Measured<unknown>) =>
      `ratio to bare bound: wall ${(m.wallMs / bare.wallMs).toFixed(2)}x` +
      (m.dbCpuMs !== null && bare.dbCpuMs ? `, database CPU ${(m.dbCpuMs / bare.dbCpuMs).toFixed(2)}x` : "");

    const same = await run();
    const sameRate = (same.result.rowsCompared / same.wallMs) * 1000;
    console.log(
      `identical: ${fmt(same.result.rowsCompared)} rows in ${fmt(same.wallMs)} ms = ${fmt(sameRate)} rows/s ` +
        `(target >= 400,000: ${verdict(sameRate >= 400_000)}), ${same.result.differences.length} differences, ` +
        `${same.result.bucketsDiffering} of ${same.result.bucketCount} buckets streamed; ${ratios(same)}; ${cpuText(same)}, worker CPU ${fmt(same.workerCpuMs)} ms`,
    );

    // three active rules on the table: every row's ruled columns hashed with and without their rules
    const resolve = createRuleResolver(BENCH_RULES);
    const ruled = await run("auto", { rulesFor: (column) => resolve("accounts", column) });
    const ruledRate = (ruled.result.rowsCompared / ruled.wallMs) * 1000;
    const ruledRatio = ruledRate / sameRate;
    console.log(
      `identical, three active rules: ${fmt(ruled.result.rowsCompared)} rows in ${fmt(ruled.wallMs)} ms = ${fmt(ruledRate)} rows/s, ` +
        `${ruled.result.differences.length} differences, ${ruled.result.ignoredByRule ?? 0} ignored by rule; ` +
        `${ruledRatio.toFixed(2)}x the run without rules (target >= 0.8x: ${verdict(ruledRatio >= 0.8)}); ${cpuText(ruled)}` +
        (ruled.dbCpuMs !== null && same.dbCpuMs ? ` (${(ruled.dbCpuMs / same.dbCpuMs).toFixed(2)}x without rules)` : ""),
    );

    // what a user gets: the same identical tables through a job run by a worker process
    await runJob(names, 0, "identical tables");

    // 50 differences scattered over the key space
    const step = Math.floor(ROWS / 50);
    await target.unsafe(`update accounts set name = name || '!' where id % $1 = 7 and id <= $2`, [step, step * 50]);
    const few = await run();
    const fewKeys = new Set(few.result.differences.map((d) => d.key[0]));
    const exact = few.result.differences.length === 50 && [...Array(50)].every((_, i) => fewKeys.has(String(i * step + 7)));
    const fewRatio = few.wallMs / same.wallMs;
    console.log(
      `50 scattered differences: found ${few.result.differences.length} (${exact ? "exactly the 50 changed keys" : "NOT the expected set"}) ` +
        `in ${fmt(few.wallMs)} ms = ${fewRatio.toFixed(2)}x identical (target <= 2x: ${verdict(exact && fewRatio <= 2)}), ` +
        `strategies ${JSON.stringify(few.result.strategies)}; ${ratios(few)}`,
    );

    // 1% of rows different: the engine should switch to ordered streaming
    await target.unsafe(`update accounts set score = score + 1 where id % 100 = 0`);
    const dense = await run();
    const denseRate = (dense.result.rowsCompared / dense.wallMs) * 1000;
    console.log(
      `1% different: found ${fmt(dense.result.differences.length)} in ${fmt(dense.wallMs)} ms = ${fmt(denseRate)} rows/s ` +
        `(target >= 150,000: ${verdict(denseRate >= 150_000)}), strategies ${JSON.stringify(dense.result.strategies)}; ${ratios(dense)}; ` +
        `${cpuText(dense)}, worker CPU ${fmt(dense.workerCpuMs)} ms`,
    );
    const forced = await run("stream");
    console.log(
      `1% different, streaming only: ${fmt(forced.wallMs)} ms = ${fmt((forced.result.rowsCompared / forced.wallMs) * 1000)} rows/s; ${ratios(forced)}`,
    );
    // owner classification: 0.1% of rows also missing; the same run without and with the owner column
    await target.unsafe(`delete from accounts where id % 1000 = 500`);
    const withoutOwner = await run();
    const withOwner = await measure(admin, names, async () => {
      const result = await reconcileTable(source, target, {
        table: "accounts",
        concurrency: CONCURRENCY,
        recheckDelayMs: 100,
        inFlightWindowMs: 0,
        ownerColumn: "email",
      });
      const compiled = compileRuleset(BENCH_RULESET);
      const modes = new Map(result.differences.flatMap((d) => (d.userId ? [[d.userId, evaluate(compiled, d.userId)] as const] : [])));
      const split = splitByExpectedState(
        result.differences,
        (id) => {
          const a = modes.get(id);
          return a ? { mode: a.mode, cohortId: a.cohort?.id ?? null } : undefined;
        },
        () => false,
      );
      return { result, split };
    });
    const ownerRatio = withoutOwner.wallMs / withOwner.wallMs;
    console.log(
      `owner classification (1% different, 0.1% missing): ${fmt(withOwner.result.result.rowsCompared)} rows in ${fmt(withOwner.wallMs)} ms ` +
        `= ${fmt((withOwner.result.result.rowsCompared / withOwner.wallMs) * 1000)} rows/s, ${fmt(withOwner.result.split.notYetMigrated.length)} not yet migrated, ` +
        `${fmt(withOwner.result.split.mismatches.length)} mismatches; without the owner column ${fmt(withoutOwner.wallMs)} ms: ` +
        `${ownerRatio.toFixed(2)}x (target >= 0.8x: ${verdict(ownerRatio >= 0.8)})`,
    );
    console.log(`peak RSS of this process (engine runs above, plus set-up): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);

    await runJob(names, withoutOwner.result.differences.length, "1% different, 0.1% missing");
  } finally {
    await dropJobControlDatabase();
    await Promise.all([source.end(), target.end(), admin.end()]);
    await Promise.all(names.map(dropDatabase));
  }
}

/**
 * A verify job on the tables as they are, run by a separate worker process (two worker loops, as two
 * handlers of one worker machine): first mismatch visible, the job's rate, and the worker's peak RSS.
 */
let jobControl: Promise<{ drop(): Promise<void> }> | null = null;

/** One control database for every job of the run: the app reads its configuration once per process. */
function jobControlDatabase(names: string[]) {
  process.env.SOURCE_DATABASE_URL = url(names[0]);
  process.env.TARGET_DATABASE_URL = url(names[1]);
  // the control database on the same server, as in the demo (no embedded server to start)
  process.env.BENCH_DATABASE_URL ??= SERVER;
  return (jobControl ??= benchControlDatabase("reconcile"));
}

async function dropJobControlDatabase() {
  if (!jobControl) return;
  const { closeControlDb } = await import("../app/utils/db.server");
  await closeControlDb();
  await (await jobControl).drop();
}

async function runJob(names: string[], expected: number, label: string) {
  await jobControlDatabase(names);
  const model = await import("../app/models/reconciliation.server");
  const mismatches = await import("../app/models/mismatch.server");
  const { parseMismatchQuery } = await import("../app/mismatches/query");
  {
    const jobId = await model.createReconciliationJob(
      { schemaName: "public", tableName: "accounts", scope: { kind: "table" }, mode: "verify", concurrency: 2, reason: "bench" },
      { type: "user", id: null, label: "bench" },
    );
    const child = spawn(process.execPath, ["--import", "tsx", "bench/support/reconciliation-worker.ts", jobId, "2"], {
      env: { ...process.env },
      stdio: ["ignore", "pipe", "inherit"],
    });
    let output = "";
    child.stdout.on("data", (chunk) => (output += chunk));
    const exited = new Promise<number | null>((resolve) => child.on("exit", resolve));
    // what the triage table (filtered to this table's reconciliation mismatches) would show
    const query = parseMismatchQuery(new URLSearchParams({ origin: "reconciliation", table: "accounts", limit: "1" }));
    let visibleAt: number | null = null;
    let done = false;
    void exited.then(() => (done = true));
    while (!done && visibleAt === null) {
      if ((await mismatches.listMismatches(query)).rows.length > 0) visibleAt = Date.now();
      else await new Promise((r) => setTimeout(r, 20));
    }
    const code = await exited;
    if (code !== 0) throw new Error(`the worker process exited with ${code}`);
    const job = (await model.getReconciliationJob(jobId))!;
    const { maxRssMb } = JSON.parse(output.trim().split("\n").pop()!) as { maxRssMb: number };
    const startedAt = job.startedAt!.getTime();
    const seconds = (job.finishedAt!.getTime() - startedAt) / 1000;
    const counts = model.countsOf(job);
    const found = counts.missing_in_target + counts.extra_in_target + counts.value_mismatch;
    const firstMs = visibleAt === null ? null : visibleAt - startedAt;
    console.log(
      `job on ${label} (worker process, 2 loops): ${job.status}, ${fmt(found)} mismatches recorded (${found === expected ? "same as the engine run" : `NOT the ${fmt(expected)} expected`}), ` +
        `${fmt(job.rowsCompared)} rows in ${seconds.toFixed(1)} s = ${fmt(job.rowsCompared / seconds)} rows/s`,
    );
    if (expected > 0)
      console.log(
        `first mismatch readable by the triage model ${firstMs === null ? "never" : `${fmt(firstMs)} ms`} after the job started streaming (target <= 1,000 ms: ${verdict(firstMs !== null && firstMs <= 1000)})`,
      );
    console.log(`peak RSS of the worker process: ${maxRssMb.toFixed(0)} MB (target < 256 MB: ${verdict(maxRssMb < 256)})`);
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
