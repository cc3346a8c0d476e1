/**
 * One health collector cycle (engine detection + XID snapshot + capacity) against a database with 10,000 tables.
 * Target: under 200 ms. Uses BENCH_DATABASE_URL (a server admin URL) if set, else a throw-away embedded PostgreSQL.
 *   npm run bench:health-collector            (embedded PostgreSQL 18)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:health-collector
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { collectHealth } from "../app/health/collect.server";
import { collectPostgresCapacity } from "../app/health/capacity-collector.server";
import { collectXidSnapshot } from "../app/health/xid-collector.server";

const TABLES = Number(process.env.BENCH_TABLES ?? 10_000);
const CYCLES = 20;
const BUDGET_MS = 200;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  let server: EmbeddedServer | undefined;
  const dataDir = path.resolve(`.data/bench-health-${process.pid}`);
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url("postgres");
  }
  const name = `bench_health_${process.pid}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = new URL(adminUrl);
  url.pathname = `/${name}`;
  const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
  try {
    const started = performance.now();
    // Batches of 500 per statement: each table has a primary key and a TOAST table, like an application's.
    for (let from = 0; from < TABLES; from += 500) {
      const to = Math.min(TABLES, from + 500);
      await sql.unsafe(`do $$ begin for i in ${from}..${to - 1} loop
        execute format('create table t_%s (id bigint primary key, body text, at timestamptz)', i);
      end loop; end $$`);
    }
    await sql`analyze`;
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from pg_class where relkind = 'r'`;
    process.stdout.write(`setup: ${count} tables (incl. catalogs) in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);

    for (let i = 0; i < 3; i++) await collectHealth(sql, { sizes: true }); // warm connections and catalog caches
    // The 30 s cycle: engine, XID snapshot, capacity counters. Sizes (pg_database_size) run every 10th cycle.
    const report = async (label: string, run: () => Promise<unknown>, budget: number | null) => {
      const timings: number[] = [];
      for (let i = 0; i < CYCLES; i++) {
        const t0 = performance.now();
        await run();
        timings.push(performance.now() - t0);
      }
      timings.sort((a, b) => a - b);
      const median = percentile(timings, 50);
      const verdict = budget === null ? "" : ` (budget ${budget} ms: ${median < budget ? "within" : "OVER"})`;
      process.stdout.write(
        `${label}, ${TABLES} tables, ${CYCLES} runs: median ${median.toFixed(1)} ms, ` +
          `p95 ${percentile(timings, 95).toFixed(1)} ms, max ${timings[timings.length - 1].toFixed(1)} ms${verdict}\n`,
      );
    };
    await report(
      "health collector cycle (engine + XID + counters)",
      async () => {
        const reading = await collectHealth(sql);
        if (!reading.ok) throw new Error(reading.error);
      },
      BUDGET_MS,
    );
    await report("  of which XID snapshot", () => collectXidSnapshot(sql), null);
    await report("  of which capacity counters", () => collectPostgresCapacity(sql), null);
    await report("size cycle (pg_database_size + largest tables, every 10th cycle)", () => collectPostgresCapacity(sql, { sizes: true }), null);
  } finally {
    await sql.end({ timeout: 5 });
    await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    await server?.stop();
    if (server) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
