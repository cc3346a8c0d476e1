/**
 * Schema-parity collection for 2,000 tables x 30 columns on each side: the whole catalog read (columns, keys,
 * indexes, foreign keys, enums, sequences) must take under 500 ms per side, and the comparison itself is timed.
 * The target is the CockroachDB stand-in (a PostgreSQL database loaded with /work/shared/fixtures/crdb-standin.sql
 * and tests/support/fixtures/crdb-standin-catalog.sql), so its figures are PostgreSQL's, not a cluster's.
 * Uses BENCH_DATABASE_URL (a server admin URL) if set, else a throw-away embedded PostgreSQL.
 *   npm run bench:schema
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:schema
 */
import { readFile, rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { readCatalogSnapshot } from "../app/reconciliation/catalog-snapshot";
import { schemaDrift } from "../app/schema-parity/drift";

const TABLES = Number(process.env.BENCH_TABLES ?? 2_000);
const COLUMNS = 30;
const RUNS = 10;
const BUDGET_MS = 500;

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)];
}

// 30 columns of the types an application has: a key, a foreign key to the previous table, an index, defaults.
function tableDdl(i: number, target: boolean): string {
  const types = target ? ["int8", "text", "jsonb", "numeric(12,2)", "timestamptz"] : ["integer", "varchar(200)", "json", "numeric(12,2)", "timestamptz"];
  const columns = Array.from({ length: COLUMNS - 2 }, (_, c) => {
    const type = types[c % types.length];
    // every 7th column is NOT NULL with a default, as an application's created_at or status columns are
    const constraint =
      c % 7 === 0
        ? ` not null default ${type === "timestamptz" ? "now()" : type.startsWith("int") || type.startsWith("numeric") ? "0" : type.includes("json") ? "'{}'" : "'x'"}`
        : "";
    return `c${c} ${type}${constraint}`;
  });
  const id = target ? "id int8 primary key default unique_rowid()" : "id serial primary key";
  const parent = i > 0 ? `parent_id int8 references t_${i - 1} (id)` : "parent_id int8";
  return `create table t_${i} (${id}, ${parent}, ${columns.join(", ")}); create index t_${i}_parent on t_${i} (parent_id);`;
}

async function main() {
  let server: EmbeddedServer | undefined;
  const dataDir = path.resolve(`.data/bench-schema-${process.pid}`);
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url("postgres");
  }
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  const names = { source: `bench_schema_source_${process.pid}`, target: `bench_schema_target_${process.pid}` };
  const connections: postgres.Sql[] = [];
  try {
    const sides: Record<"source" | "target", postgres.Sql> = {} as never;
    for (const side of ["source", "target"] as const) {
      await admin.unsafe(`create database "${names[side]}"`);
      const url = new URL(adminUrl);
      url.pathname = `/${names[side]}`;
      if (side === "target") {
        const loader = postgres(url.toString(), { max: 1, onnotice: () => {} });
        await loader.unsafe(await readFile("/work/shared/fixtures/crdb-standin.sql", "utf8"));
        await loader.unsafe(await readFile("tests/support/fixtures/crdb-standin-catalog.sql", "utf8"));
        await loader.unsafe(`alter database "${names[side]}" set search_path = public, crdb_standin, pg_catalog`);
        await loader.end();
      }
      const sql = postgres(url.toString(), { max: 4, onnotice: () => {} });
      connections.push(sql);
      sides[side] = sql;
      const started = performance.now();
      for (let from = 0; from < TABLES; from += 100) {
        const ddl = Array.from({ length: Math.min(100, TABLES - from) }, (_, k) => tableDdl(from + k, side === "target")).join("\n");
        await sql.unsafe(side === "target" ? `set search_path = public, crdb_standin, pg_catalog; ${ddl}` : ddl);
      }
      process.stdout.write(`setup ${side}: ${TABLES} tables x ${COLUMNS} columns in ${((performance.now() - started) / 1000).toFixed(1)} s\n`);
    }
    for (const side of ["source", "target"] as const) await readCatalogSnapshot(sides[side]); // warm caches
    const snapshots = { source: await readCatalogSnapshot(sides.source), target: await readCatalogSnapshot(sides.target) };
    for (const side of ["source", "target"] as const) {
      const timings: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const t0 = performance.now();
        const snapshot = await readCatalogSnapshot(sides[side]);
        timings.push(performance.now() - t0);
        const read = snapshot.tables.filter((t) => t.schema === "public").length;
        if (read !== TABLES) throw new Error(`read ${read} tables on the ${side}`);
      }
      timings.sort((a, b) => a - b);
      const median = percentile(timings, 50);
      process.stdout.write(
        `catalog read (${side}, ${snapshots[side].dialect}), ${TABLES} tables x ${COLUMNS} columns, ${RUNS} runs: median ${median.toFixed(1)} ms, ` +
          `p95 ${percentile(timings, 95).toFixed(1)} ms, max ${timings[timings.length - 1].toFixed(1)} ms (budget ${BUDGET_MS} ms: ${timings[timings.length - 1] < BUDGET_MS ? "within" : "OVER"})\n`,
      );
    }
    const t0 = performance.now();
    const drift = schemaDrift(snapshots.source, snapshots.target);
    process.stdout.write(
      `comparison: ${(performance.now() - t0).toFixed(1)} ms, ${drift.length} drift items (expected 0: the target is the source under the type mapping)\n`,
    );
  } finally {
    for (const c of connections) await c.end({ timeout: 5 });
    for (const name of Object.values(names)) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    await admin.end();
    await server?.stop();
    if (server) await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
