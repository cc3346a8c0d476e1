/**
 * Shadow-read overhead: p50 latency of client.read() for a shadow_read user (both reads, source served, every
 * read compared with the shared normalization) against the same two reads done directly and concurrently
 * (which takes max(source read, target read)), interleaved in one run. Target: ratio within 1.10.
 * Two databases on one real PostgreSQL: BENCH_DATABASE_URL (a server admin URL) if set, else an embedded one.
 *   npm run bench:client-shadow-read
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:client-shadow-read
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { createCutoverClient } from "../client/src/index";
import { startFakeControlPlane } from "../client/test-support/fake-control-plane";
import { testRuleset } from "../client/test-support/rulesets";

const ROWS = 10_000;
const ITERATIONS = Number(process.env.BENCH_ITERATIONS ?? 3_000);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

async function main() {
  let server: EmbeddedServer | undefined;
  const dataDir = path.resolve(`.data/bench-client-shadow-${process.pid}`);
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url("postgres");
  }
  const names = [`bench_client_src_${process.pid}`, `bench_client_tgt_${process.pid}`];
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const [source, target] = names.map((name) => {
    const url = new URL(adminUrl!);
    url.pathname = `/${name}`;
    return { name, url: url.toString() };
  });
  for (const { name } of [source, target]) await admin.unsafe(`create database "${name}"`);
  const src = postgres(source.url, { max: 4, onnotice: () => {} });
  const tgt = postgres(target.url, { max: 4, onnotice: () => {} });
  const plane = await startFakeControlPlane();
  plane.setRuleset(testRuleset(1));
  const client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });
  // The same client with latency timing off, interleaved with the timed one: the timing's own cost.
  const untimed = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000, latency: false });
  try {
    for (const sql of [src, tgt]) {
      await sql`create table documents (id int primary key, title text not null, score numeric(8,2), updated_at timestamptz not null)`;
      await sql`insert into documents select i, 'document ' || i, i / 7.0, timestamptz '2026-01-01 00:00:00+00' + i * interval '1 second' from generate_series(1, ${ROWS}) i`;
      await sql`analyze documents`;
    }
    await client.ready();
    await untimed.ready();
    if (client.assignment("user-shadow_read").mode !== "shadow_read") throw new Error("ruleset not loaded");

    const reads = (id: number) => ({
      source: () => src`select id, title, score, updated_at from documents where id = ${id}`.then((r) => r[0] ?? null),
      target: () => tgt`select id, title, score, updated_at from documents where id = ${id}`.then((r) => r[0] ?? null),
    });
    const viaClient = async (id: number) => {
      const t0 = performance.now();
      await client.read("user-shadow_read", reads(id), { compare: { table: "documents" } });
      return performance.now() - t0;
    };
    const viaUntimed = async (id: number) => {
      const t0 = performance.now();
      await untimed.read("user-shadow_read", reads(id), { compare: { table: "documents" } });
      return performance.now() - t0;
    };
    const direct = async (id: number) => {
      const calls = reads(id);
      const t0 = performance.now();
      await Promise.all([calls.source(), calls.target()]);
      return performance.now() - t0;
    };

    for (let i = 1; i <= 500; i++) {
      await viaClient(i); // warm-up: connections, JIT, the ruleset's compiled paths
      await direct(i);
    }
    const clientTimes: number[] = [];
    const untimedTimes: number[] = [];
    const directTimes: number[] = [];
    for (let i = 0; i < ITERATIONS; i++) {
      const id = 1 + ((i * 7919) % ROWS);
      // Alternate which goes first so neither side always runs on a warmer connection.
      if (i % 2 === 0) {
        clientTimes.push(await viaClient(id));
        untimedTimes.push(await viaUntimed(id));
        directTimes.push(await direct(id));
      } else {
        directTimes.push(await direct(id));
        untimedTimes.push(await viaUntimed(id));
        clientTimes.push(await viaClient(id));
      }
    }
    clientTimes.sort((a, b) => a - b);
    untimedTimes.sort((a, b) => a - b);
    const u50 = percentile(untimedTimes, 50);
    directTimes.sort((a, b) => a - b);
    const c50 = percentile(clientTimes, 50);
    const d50 = percentile(directTimes, 50);
    const counters = client.counters();
    const [{ version }] = await src<{ version: string }[]>`select current_setting('server_version') as version`;
    process.stdout.write(
      `PostgreSQL ${version}, ${ITERATIONS} interleaved reads by primary key, both databases local\n` +
        `client.read() in shadow_read:       p50 ${c50.toFixed(3)} ms, p95 ${percentile(clientTimes, 95).toFixed(3)} ms\n` +
        `both reads directly (concurrently): p50 ${d50.toFixed(3)} ms, p95 ${percentile(directTimes, 95).toFixed(3)} ms\n` +
        `ratio p50 client/direct: ${(c50 / d50).toFixed(3)} (target <= 1.10: ${c50 / d50 <= 1.1 ? "within" : "OVER"})\n` +
        `latency timing on vs off: p50 ${c50.toFixed(3)} vs ${u50.toFixed(3)} ms, ${(((c50 - u50) / u50) * 100).toFixed(1)}% more per shadow read (target <= 5%: ${
          c50 <= u50 * 1.05 ? "within" : "OVER"
        })\n` +
        `comparisons ${counters.comparisons}, mismatches found ${counters.mismatchesFound}, shadow errors ${counters.shadowReadErrors}\n`,
    );
  } finally {
    await client.close(100);
    await untimed.close(100);
    await plane.close();
    await src.end({ timeout: 5 });
    await tgt.end({ timeout: 5 });
    // Bounded: a drop waits for every backend on the server to acknowledge it, and one stuck backend elsewhere
    // must not hang the benchmark after its figures are printed.
    await admin`set statement_timeout = '30s'`;
    for (const { name } of [source, target]) {
      await admin.unsafe(`drop database if exists "${name}" with (force)`).catch((error: unknown) => {
        process.stderr.write(`could not drop ${name}: ${error instanceof Error ? error.message : String(error)}\n`);
      });
    }
    await admin.end();
    await server?.stop();
    if (server) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
