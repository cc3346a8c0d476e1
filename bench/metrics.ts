/**
 * GET /metrics over real HTTP with 20 cohorts x 50 tables of series: comparisons per minute for the last two
 * hours, 200,000 mismatch records (a tenth open), latency minutes for 2 operations per table and side, 1,000
 * finished jobs and a few running, gate states, ramp events and a population of 20,000 users on the source.
 * Prints p50/p95 and the page's series count: as Prometheus sees it (the heavy providers from their shared
 * snapshot, refreshed after answering whenever it is older than 10 s: every third scrape here), and cold (every
 * snapshot past its bound, so each scrape collects everything live). Target: p95 under 50 ms.
 *   npm run bench:metrics
 */
import { rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { runMigrations } from "../db/migrate";
import { startEmbeddedPostgres } from "../db/embedded";
import { parsePrometheusText } from "../app/metrics/prometheus-parse";
import { createApiToken } from "../app/models/api-token.server";
import { ensureBuilt } from "../scripts/runtime";

const RUNS = 30;
const COHORTS = 20;
const TABLES = 50;

async function main() {
  ensureBuilt();
  const dataDir = path.resolve(`.data/bench-metrics-${process.pid}`);
  const server = await startEmbeddedPostgres({ dataDir });
  const admin = postgres(server.url("postgres"), { max: 1, onnotice: () => {} });
  await admin`create database bench_control`;
  await admin`create database bench_source`;
  await admin.end();
  const controlUrl = server.url("bench_control");
  await runMigrations(controlUrl);
  const sql = postgres(controlUrl, { max: 4, onnotice: () => {} });
  const source = postgres(server.url("bench_source"), { max: 1, onnotice: () => {} });
  let web: { url: string; close(): Promise<void> } | null = null;
  try {
    const t0 = performance.now();
    await source`create table users (id text primary key, region text, country char(2), school_id integer, plan text)`;
    await source`insert into users select 'user-' || g, 'eu', 'FR', g % 50, 'school' from generate_series(1, 20000) g`;
    await source`analyze users`;
    await sql`insert into cohorts (name, priority, mode, percent_basis_points, salt, mismatch_budget, ramp_steps, ramp_every_hours)
      select 'cohort ' || g, g, (array['dual_write', 'shadow_read', 'target_primary'])[1 + g % 3]::rollout_mode, 1000 * (1 + g % 9), 'salt' || g, 0.01,
        '{5000,10000}', 6 from generate_series(1, ${COHORTS}) g`;
    await sql`insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
      select c.id::text, 'table_' || t, date_trunc('minute', now()) - m * interval '1 minute', 1000, (t + m) % 7
      from cohorts c, generate_series(1, ${TABLES}) t, generate_series(0, 119) m`;
    await sql`insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, cohort_id, status, first_seen_at, last_seen_at)
      select 'sig' || g, 'g' || (g % 500), 'shadow_read', 'value_mismatch', 'table_' || (1 + g % ${TABLES}), jsonb_build_object('id', g),
        (select id::text from cohorts order by id offset (g % ${COHORTS}) limit 1), (case when g % 10 = 0 then 'open' else 'resolved' end)::mismatch_status, now(), now()
      from generate_series(1, 200000) g`;
    await sql`insert into gate_states (cohort_id, gate, passed, reason)
      select c.id, gate, random() > 0.3, 'bench' from cohorts c, unnest(array['mismatch-budget', 'xid-runway', 'target-free-space', 'freshness', 'backfilled']) gate`;
    await sql`insert into ramp_events (cohort_id, outcome, from_basis_points, to_basis_points, detail) select id, 'blocked', 1000, 5000, 'bench' from cohorts`;
    await sql`insert into reconciliation_jobs (table_name, scope, status, created_by, finished_at)
      select 'table_' || (1 + g % ${TABLES}), '{"kind":"table"}', (case when g % 20 = 0 then 'failed' else 'succeeded' end)::reconciliation_status, 'bench', now()
      from generate_series(1, 1000) g`;
    await sql`insert into reconciliation_jobs (table_name, scope, status, created_by, estimated_rows, buckets_total, buckets_done, samples)
      select 'table_' || g, '{"kind":"table"}', 'running', 'bench', 1000000, 64, g * 10,
        jsonb_build_array(jsonb_build_object('at', now() - interval '10 seconds', 'rowsCompared', 0), jsonb_build_object('at', now(), 'rowsCompared', 100000))
      from generate_series(1, 4) g`;
    // Latency as the API stores it: minutes of the last two hours per cohort, table, operation and side, and the
    // all-time totals /metrics reads (what writeLatencies keeps up).
    await sql`insert into operation_latency (minute, cohort_id, table_name, operation, side, count, errors, sum_ms, buckets)
      select date_trunc('minute', now()) - m * interval '1 minute', c.id::text, 'table_' || t, op, side::latency_side, 100, 1, 250,
        array_fill(0::bigint, array[5]) || array[60::bigint, 40::bigint] || array_fill(0::bigint, array[16])
      from cohorts c, generate_series(1, ${TABLES}) t, unnest(array['select by id', 'insert']) op, unnest(array['source', 'target']) side, generate_series(0, 119) m`;
    await sql`insert into operation_latency_totals (table_name, operation, side, count, errors, sum_ms, buckets)
      select table_name, operation, side, sum(count), sum(errors), sum(sum_ms),
        array_fill(0::bigint, array[5]) || array[sum(count) * 6 / 10, sum(count) * 4 / 10]::bigint[] || array_fill(0::bigint, array[16])
      from operation_latency group by 1, 2, 3 order by 1, 2, 3`;
    await sql`insert into mismatch_inbox (records, comparisons, record_count) select '', '', 100 from generate_series(1, 10)`;
    await sql`analyze`;
    const setupSeconds = (performance.now() - t0) / 1000;

    Object.assign(process.env, {
      NODE_ENV: "production",
      CUTOVER_DATABASE_URL: controlUrl,
      SOURCE_DATABASE_URL: server.url("bench_source"),
      TARGET_DATABASE_URL: server.url("bench_source"),
      SESSION_SECRET: "bench-session-secret-0123456789",
    });
    const { token } = await createApiToken({ name: "prometheus", scopes: ["metrics:read"], createdBy: null });
    const { startWebServer } = await import("../scripts/web-server");
    web = await startWebServer({ port: 0 });
    const scrape = async () => {
      const response = await fetch(`${web!.url}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
      if (response.status !== 200) throw new Error(`/metrics answered ${response.status}`);
      return response.text();
    };
    // warm-up: the population sample (cached a minute, as in production) and the connection pools
    const first = parsePrometheusText(await scrape());
    const down = first.samples.filter((s) => s.name === "cutover_metrics_provider_up" && s.value !== 1);
    if (down.length) throw new Error(`providers down: ${down.map((s) => s.labels.provider).join(", ")}`);
    const timed = async (runs: number, before: (i: number) => Promise<unknown>) => {
      const times: number[] = [];
      for (let i = 0; i < runs; i++) {
        await before(i);
        const start = performance.now();
        await scrape();
        times.push(performance.now() - start);
      }
      times.sort((a, b) => a - b);
      const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
      return `p50 ${at(0.5)} ms, p95 ${at(0.95)} ms, max ${at(1)} ms`;
    };
    const refreshing = async () => {
      while ((await sql`select 1 from metrics_snapshots where refreshing_until > now()`).length) await new Promise((r) => setTimeout(r, 20));
    };
    // As Prometheus scrapes every 15-60 s: each scrape finds snapshots younger than their fresh bound.
    const served = await timed(RUNS, async () => {});
    // A scrape that finds them past it answers at once and starts the refresh, which the next scrapes run beside.
    const overlapping = await timed(RUNS, async (i) => {
      if (i % 3 === 0) await sql`update metrics_snapshots set collected_at = now() - interval '11 seconds'`;
    });
    await refreshing();
    const cold = await timed(RUNS, () => sql`update metrics_snapshots set collected_at = now() - interval '1 hour'`);
    console.log(
      `setup ${setupSeconds.toFixed(1)} s: ${COHORTS} cohorts x ${TABLES} tables, 200,000 mismatch records, 1,004 reconciliation jobs, ${COHORTS * TABLES * 2 * 2 * 120} latency minutes`,
    );
    console.log(`/metrics over HTTP, ${RUNS} scrapes, snapshots fresh: ${served} (target p95 < 50 ms)`);
    console.log(`/metrics over HTTP, ${RUNS} scrapes, every third starting a refresh that runs beside the next: ${overlapping}`);
    console.log(`/metrics over HTTP, ${RUNS} scrapes, cold (every provider collected live): ${cold}`);
    console.log(`series on the page: ${first.samples.length} in ${first.types.size} families`);
    // where the time goes: the page from fresh snapshots, then each provider on its own, in this process (median of 10)
    const { renderMetrics } = await import("../app/metrics/providers.server");
    await renderMetrics();
    const rendering: number[] = [];
    for (let i = 0; i < 10; i++) {
      const start = performance.now();
      await renderMetrics();
      rendering.push(performance.now() - start);
    }
    rendering.sort((a, b) => a - b);
    console.log(`  the page from fresh snapshots, in process: median ${rendering[5].toFixed(1)} ms`);
    const { metricProviders } = await import("../app/metrics/providers.server");
    for (const provider of metricProviders) {
      const spent: number[] = [];
      for (let i = 0; i < 10; i++) {
        const start = performance.now();
        await provider.collect();
        spent.push(performance.now() - start);
      }
      spent.sort((a, b) => a - b);
      console.log(`  provider ${provider.name}: median ${spent[5].toFixed(1)} ms`);
    }
  } finally {
    await web?.close();
    const { closeControlDb } = await import("../app/utils/db.server");
    const { closeSideConnections } = await import("../app/utils/databases.server");
    await closeSideConnections().catch(() => {});
    await closeControlDb().catch(() => {});
    await sql.end();
    await source.end();
    await server.stop();
    await rm(dataDir, { recursive: true, force: true });
  }
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
