/**
 * Server time of the Wraparound and Capacity pages' data (the model calls their loaders make) with 30 days of
 * samples: 48 h of raw 30 s readings and 30 days of hourly rows, 4 databases and 3 stores. Target: < 100 ms.
 *   npm run bench:health-pages
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { runMigrations } from "../db/migrate";
import { startEmbeddedPostgres } from "../db/embedded";
import { loadCapacityView } from "../app/models/capacity.server";
import { healthSeries } from "../app/models/health.server";
import { loadXidView } from "../app/models/xid.server";

const RUNS = 30;

async function main() {
  const dataDir = path.resolve(`.data/bench-health-pages-${process.pid}`);
  const server = await startEmbeddedPostgres({ dataDir });
  const url = server.url("postgres");
  await runMigrations(url);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  try {
    const t0 = performance.now();
    // Series: raw every 30 s for 48 h, hourly for 30 days; XID ages per database, store bytes per store.
    await sql`
      with subjects(side, metric, subject) as (
        select 'source', m, d from unnest(array['xid_age', 'mxid_age']) m, unnest(array['app', 'postgres', 'template0', 'template1']) d
        union all select 'source', 'database_bytes', 'app'
        union all select 'source', m, '' from unnest(array['commits_total', 'wal_bytes_total', 'connections', 'next_xid']) m
        union all select 'target', m, s from unnest(array['store_capacity_bytes', 'store_available_bytes', 'store_used_bytes', 'store_logical_bytes', 'store_ranges', 'store_leases']) m, unnest(array['1', '2', '3']) s)
      insert into health_series (side, metric, subject, resolution, at, value, peak)
      select side, metric, subject, 'raw', t, extract(epoch from t), extract(epoch from t)
      from subjects, generate_series(now() - interval '48 hours', now(), interval '30 seconds') t
      union all
      select side, metric, subject, 'hour', t, extract(epoch from t), extract(epoch from t)
      from subjects, generate_series(date_trunc('hour', now()) - interval '30 days', now(), interval '1 hour') t`;
    const [{ count }] = await sql<{ count: number }[]>`select count(*)::int as count from health_series`;
    // Readings: one per side per 30 s for 48 h; the detail of the latest ones, as the collector keeps it.
    const detail = {
      ok: true,
      collectedAt: Date.now(),
      engine: { engine: "postgresql", version: "18.1", major: 18, versionNum: 180001, description: "PostgreSQL 18.1" },
      xid: {
        collectedAt: Date.now(),
        nextXid: 9_000_000_000,
        settings: {
          autovacuumFreezeMaxAge: 200000000,
          autovacuumMultixactFreezeMaxAge: 400000000,
          vacuumFailsafeAge: 1600000000,
          vacuumMultixactFailsafeAge: 1600000000,
        },
        databases: ["app", "postgres", "template0", "template1"].map((d, i) => ({
          database: d,
          xidAge: 900_000_000 - i * 1e8,
          mxidAge: 1000,
          allowsConnections: true,
        })),
        tables: Array.from({ length: 20 }, (_, i) => ({ schema: "public", table: `t${i}`, xidAge: 900_000_000 - i * 1e6, mxidAge: 5, toastIsOlder: false })),
        blockers: [],
        vacuums: [],
      },
      capacity: {
        engine: "postgresql",
        collectedAt: Date.now(),
        database: "app",
        databaseBytes: 5e11,
        tables: [],
        connections: 40,
        maxConnections: 300,
        reservedConnections: 3,
        commitsTotal: 1e9,
        walBytesTotal: 1e13,
        inRecovery: false,
      },
    };
    await sql`
      insert into health_readings (side, slot, collected_at, ok, engine, engine_version, next_xid, xid_rate, detail)
      select s, (extract(epoch from t) / 30)::bigint, t, true, 'postgresql', '18.1', 9000000000, 11574,
        case when t > now() - interval '2 hours' then ${sql.json(detail)}::jsonb end
      from unnest(array['source', 'target']) s, generate_series(now() - interval '48 hours', now(), interval '30 seconds') t`;
    await sql`analyze`;
    process.stdout.write(`setup: ${count} series rows, 2 x 5761 readings in ${((performance.now() - t0) / 1000).toFixed(1)} s\n`);

    const time = async (label: string, run: () => Promise<unknown>) => {
      for (let i = 0; i < 3; i++) await run();
      const timings: number[] = [];
      for (let i = 0; i < RUNS; i++) {
        const start = performance.now();
        await run();
        timings.push(performance.now() - start);
      }
      timings.sort((a, b) => a - b);
      const median = timings[Math.floor(timings.length / 2)];
      process.stdout.write(
        `${label}: median ${median.toFixed(1)} ms, p95 ${timings[Math.ceil(timings.length * 0.95) - 1].toFixed(1)} ms (budget 100 ms: ${median < 100 ? "within" : "OVER"})\n`,
      );
    };
    const now = () => new Date();
    const ago = (ms: number) => new Date(Date.now() - ms);
    await time("Wraparound page data, 30-day chart", () =>
      Promise.all([loadXidView(sql), healthSeries("source", ["xid_age"], ago(30 * 86_400_000), now(), 300, sql)]),
    );
    await time("Wraparound page data, 48 h chart", () =>
      Promise.all([loadXidView(sql), healthSeries("source", ["xid_age"], ago(48 * 3_600_000), now(), 300, sql)]),
    );
    await time("Capacity page data, 30-day charts", () =>
      Promise.all([
        loadCapacityView("source", sql),
        loadCapacityView("target", sql),
        healthSeries("source", ["database_bytes"], ago(30 * 86_400_000), now(), 300, sql),
        healthSeries("target", ["store_used_bytes"], ago(30 * 86_400_000), now(), 300, sql),
      ]),
    );
  } finally {
    await sql.end({ timeout: 5 });
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  process.stderr.write(`${error instanceof Error ? error.stack : String(error)}\n`);
  process.exit(1);
});
