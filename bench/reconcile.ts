/**
 * Reconciliation benchmark: a 1,000,000-row table (bigint key + 8 mixed columns) in two databases on one server.
 * Prints rows/s for identical tables (and the ratio to the bare bound: both sides' md5(row text) scan in
 * parallel, measured in the same run), 50 scattered differences (time relative to identical), 1% different
 * (ordered streaming), and the process's peak RSS.
 *   npm run bench:reconcile              (BENCH_DATABASE_URL, default postgres://postgres@127.0.0.1:5432/postgres)
 *   BENCH_ROWS=200000 npm run bench:reconcile
 */
import postgres from "postgres";
import { reconcileTable } from "../app/reconciliation/engine";

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

async function main() {
  const suffix = process.pid;
  const names = [`bench_recon_src_${suffix}`, `bench_recon_tgt_${suffix}`];
  let t0 = Date.now();
  const [source, target] = await Promise.all(names.map(createDatabase));
  console.log(`setup: ${fmt(ROWS)} rows in each of 2 databases in ${((Date.now() - t0) / 1000).toFixed(1)} s (concurrency ${CONCURRENCY})`);
  try {
    // bare bound: what reading and hashing every row costs, with no normalization and no comparison
    t0 = Date.now();
    await Promise.all([source, target].map((sql) => sql.unsafe(`select count(md5(a::text)) from accounts a`)));
    const bareMs = Date.now() - t0;
    console.log(`bare bound (md5(row text) scan, both sides in parallel): ${bareMs} ms = ${fmt((ROWS / bareMs) * 1000)} rows/s`);

    const run = (strategy: "auto" | "stream" = "auto") =>
      reconcileTable(source, target, { table: "accounts", concurrency: CONCURRENCY, recheckDelayMs: 100, strategy });

    const same = await run();
    const sameRate = (same.rowsCompared / same.elapsedMs) * 1000;
    console.log(
      `identical: ${fmt(same.rowsCompared)} rows in ${same.elapsedMs} ms = ${fmt(sameRate)} rows/s ` +
        `(target >= 400,000), ${same.differences.length} differences, ratio to bare bound ${(same.elapsedMs / bareMs).toFixed(2)}x`,
    );

    // 50 differences scattered over the key space
    const step = Math.floor(ROWS / 50);
    await target.unsafe(`update accounts set name = name || '!' where id % $1 = 7 and id <= $2`, [step, step * 50]);
    const few = await run();
    const fewKeys = new Set(few.differences.map((d) => d.key[0]));
    const exact = few.differences.length === 50 && [...Array(50)].every((_, i) => fewKeys.has(String(i * step + 7)));
    console.log(
      `50 scattered differences: found ${few.differences.length} (${exact ? "exactly the 50 changed keys" : "NOT the expected set"}) ` +
        `in ${few.elapsedMs} ms = ${(few.elapsedMs / same.elapsedMs).toFixed(2)}x identical (target <= 2x), ` +
        `strategies ${JSON.stringify(few.strategies)}`,
    );

    // 1% of rows different: the engine should switch to ordered streaming
    await target.unsafe(`update accounts set score = score + 1 where id % 100 = 0`);
    const dense = await run();
    console.log(
      `1% different: found ${fmt(dense.differences.length)} in ${dense.elapsedMs} ms = ${fmt((dense.rowsCompared / dense.elapsedMs) * 1000)} rows/s ` +
        `(target >= 150,000), strategies ${JSON.stringify(dense.strategies)}`,
    );
    const forced = await run("stream");
    console.log(`1% different, streaming only: ${forced.elapsedMs} ms = ${fmt((forced.rowsCompared / forced.elapsedMs) * 1000)} rows/s`);
    console.log(`peak RSS of this process (the worker): ${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB (target < 256 MB)`);
  } finally {
    await Promise.all([source.end(), target.end()]);
    await Promise.all(names.map(dropDatabase));
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
