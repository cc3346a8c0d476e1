import { readFile } from "node:fs/promises";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { runHealthCycle } from "../../../app/jobs/health.server";
import { createApiToken } from "../../../app/models/api-token.server";
import { emptyBuckets, latencyBucket } from "../../../app/latency/histogram";
import { parsePrometheusText, type ParsedExposition } from "../../../app/metrics/prometheus-parse";
import { SNAPSHOT_FRESH_SECONDS, SNAPSHOT_MAX_AGE_SECONDS } from "../../../app/metrics/snapshot.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSourceUsers } from "../../support/source-users";

let app: TestApp;
let cohortId: string;

/** Every family /metrics must hold (issue: rungs, mismatches, inbox, gates, jobs, capacity, collector freshness). */
const FAMILIES: Record<string, string> = {
  cutover_rollout_users: "gauge",
  cutover_rollout_users_ratio: "gauge",
  cutover_cohort_target_ratio: "gauge",
  cutover_emergency_switch_on: "gauge",
  cutover_ruleset_version: "gauge",
  cutover_shadow_read_comparisons: "gauge",
  cutover_shadow_read_mismatches: "gauge",
  cutover_mismatch_rate_ratio: "gauge",
  cutover_cohort_mismatch_rate_ratio: "gauge",
  cutover_cohort_mismatch_budget_ratio: "gauge",
  cutover_mismatch_open_records: "gauge",
  cutover_mismatch_inbox_batches: "gauge",
  cutover_mismatch_inbox_records: "gauge",
  cutover_mismatch_set_aside_batches: "gauge",
  cutover_gate_passed: "gauge",
  cutover_ramp_blocked: "gauge",
  cutover_jobs: "gauge",
  cutover_jobs_failed_total: "counter",
  cutover_jobs_waiting_for_database: "gauge",
  cutover_job_progress_ratio: "gauge",
  cutover_job_rows_per_second: "gauge",
  cutover_database_up: "gauge",
  cutover_health_reading_age_seconds: "gauge",
  cutover_capacity_runway_days: "gauge",
  cutover_webhook_deliveries: "gauge",
  cutover_operation_duration_seconds: "histogram",
  cutover_operation_errors_total: "counter",
  cutover_metrics_provider_up: "gauge",
};

function value(parsed: ParsedExposition, name: string, labels: Record<string, string> = {}) {
  return parsed.samples.find((s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v))?.value;
}

/** No background refresh of a snapshot is under way (the web app runs its own copy of the app's modules). */
async function refreshesSettled() {
  await vi.waitFor(
    async () => {
      if ((await app.control.sql`select 1 from metrics_snapshots where refreshing_until > now()`).length) throw new Error("a snapshot refresh is under way");
    },
    { timeout: 15_000 },
  );
}

/** A scrape of the figures as they are now: the shared snapshots of earlier scrapes are dropped first. */
async function scrape(token = app.token, { fresh = true } = {}) {
  if (fresh) {
    await refreshesSettled();
    await app.control.sql`delete from metrics_snapshots`;
  }
  const response = await fetch(`${app.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } });
  expect(response.status).toBe(200);
  return parsePrometheusText(await response.text());
}

beforeAll(async () => {
  process.env.NODE_ENV = "production";
  app = await startTestApp({ prepare: ({ source }) => createSourceUsers(source.sql, 2_000, { region: "eu", country: "FR" }) });
  const sql = app.control.sql;
  [{ id: cohortId }] = await sql`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, mismatch_budget, budget_window_minutes, ramp_steps, ramp_every_hours)
    values ('Pilot schools', 1, 'shadow_read', 5000, 'pilot', 0.01, 60, '{5000,10000}', 1) returning id::text`;
  await sql`update rollout_state set version = version + 1`;
  // 3 of 100 reads of documents mismatched in the last hour (3% > the 1% budget); 1 of 10 in courses.
  await sql`insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched) values
    (${cohortId}, 'documents', now() - interval '5 minutes', 100, 3), (${cohortId}, 'courses', now() - interval '2 minutes', 10, 1),
    (${cohortId}, 'documents', now() - interval '3 hours', 1000, 500)`;
  // a cohort id Cutover does not know folds into one label value
  await sql`insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched) values ('no-such-cohort', 'documents', now(), 4, 0)`;
  for (let i = 0; i < 3; i++) {
    await sql`insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, cohort_id, status, first_seen_at, last_seen_at)
      values (${`sig-${i}`}, 'g', 'shadow_read', 'value_mismatch', 'documents', ${sql.json({ id: i })}, ${cohortId}, ${i === 2 ? "resolved" : "open"}, now(), now())`;
  }
  await sql`insert into mismatch_inbox (records, comparisons, record_count) values ('', '', 7)`;
  await sql`insert into mismatch_inbox_set_aside (id, records, comparisons, record_count, received_at, error) values (999, '', '', 4, now(), 'SQLSTATE 22P02')`;
  await sql`insert into gate_states (cohort_id, gate, passed, reason) values (${cohortId}, 'mismatch-budget', false, 'over budget'), (${cohortId}, 'xid-runway', true, 'fine')`;
  await sql`insert into ramp_events (cohort_id, outcome, from_basis_points, to_basis_points, detail) values (${cohortId}, 'blocked', 5000, 10000, 'over budget')`;
  const samples = [
    { at: new Date(Date.now() - 10_000).toISOString(), rowsCompared: 1000 },
    { at: new Date().toISOString(), rowsCompared: 6000 },
  ];
  await sql`insert into reconciliation_jobs (table_name, scope, status, estimated_rows, rows_compared, buckets_total, buckets_done, samples, created_by)
    values ('documents', ${sql.json({ kind: "table" })}, 'running', 20000, 6000, 10, 3, ${sql.json(samples)}, 'test')`;
  await sql`insert into reconciliation_jobs (table_name, scope, status, created_by, error) values ('courses', ${sql.json({ kind: "table" })}, 'failed', 'test', 'boom')`;
  const backfillSamples = [
    { at: new Date(Date.now() - 4_000).toISOString(), rows: 100 },
    { at: new Date().toISOString(), rows: 500 },
  ];
  await sql`insert into backfill_jobs (table_name, scope, status, batch_rows, batch_bytes, estimated_rows, rows_copied, samples, actor, reason)
    values ('annotations', ${sql.json({ kind: "table" })}, 'copying', 2000, 4194304, 1000, 250, ${sql.json(backfillSamples)}, ${sql.json({ type: "system", id: null, label: "t" })}, 'test')`;
  // The client's timings, through the real API: 3 reads of documents at about 2 ms on the source (one failed),
  // 2 at about 40 ms on the target, in two batches.
  const minute = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  const timing = (side: "source" | "target", bucket: number, count: number, errors: number, sumMs: number) => {
    const buckets = emptyBuckets();
    buckets[bucket] = count;
    return { cohort: cohortId, table: "documents", operation: "select by id", side, windowStart: minute, count, errors, sumMs, buckets };
  };
  for (const latencies of [
    [timing("source", latencyBucket(2), 2, 1, 3.5), timing("target", latencyBucket(40), 2, 0, 80)],
    [timing("source", latencyBucket(2), 1, 0, 2)],
  ]) {
    const response = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
      method: "POST",
      headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ mismatches: [], comparisons: [], latencies }),
    });
    expect(response.status).toBe(202);
  }
  await runHealthCycle();
  await sql`insert into webhook_destinations (name, url, format, secret_ciphertext, secret_prefix, created_by) values ('ops', 'https://example.com/h', 'json', 'x', 'whsec_', 'test')`;
});

afterAll(async () => {
  if (app) await refreshesSettled();
  await app?.close();
});

describe("GET /metrics", () => {
  it("needs a token with metrics:read", async () => {
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(401);
    const { token } = await createApiToken({ name: "reporter", scopes: ["mismatches:write"], createdBy: null });
    expect((await fetch(`${app.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${token}` } })).status).toBe(403);
  });

  it("parses as Prometheus text and holds every family, each provider up", async () => {
    const parsed = await scrape();
    for (const [name, type] of Object.entries(FAMILIES)) {
      expect(parsed.types.get(name), name).toBe(type);
      expect(parsed.help.get(name), name).toBeTruthy();
    }
    for (const provider of ["health", "rollout", "mismatches", "jobs", "latency", "notifications"]) {
      expect(value(parsed, "cutover_metrics_provider_up", { provider }), provider).toBe(1);
    }
    // base units and conventions: counters end in _total, nothing else does; ratios stay within 0..1
    for (const [name, type] of parsed.types) expect(name.endsWith("_total"), name).toBe(type === "counter");
    for (const s of parsed.samples.filter((s) => s.name.endsWith("_ratio"))) expect(s.value >= 0 && s.value <= 1, `${s.name} ${s.value}`).toBe(true);
  });

  it("reports the figures stored in the control database", async () => {
    const parsed = await scrape();
    const users = parsed.samples.filter((s) => s.name === "cutover_rollout_users");
    expect(users.map((s) => s.labels.mode).sort()).toEqual(["dual_write", "shadow_read", "source_only", "target_only", "target_primary"]);
    expect(users.reduce((sum, s) => sum + s.value, 0)).toBeGreaterThan(1_900);
    expect(value(parsed, "cutover_rollout_users_ratio", { mode: "shadow_read" })).toBeGreaterThan(0.4);
    expect(value(parsed, "cutover_cohort_target_ratio", { cohort: "Pilot schools", mode: "shadow_read" })).toBe(0.5);
    expect(value(parsed, "cutover_shadow_read_comparisons", { cohort: "Pilot schools", table: "documents" })).toBe(100);
    expect(value(parsed, "cutover_mismatch_rate_ratio", { cohort: "Pilot schools", table: "documents" })).toBeCloseTo(0.03);
    expect(value(parsed, "cutover_mismatch_rate_ratio", { cohort: "Pilot schools", table: "courses" })).toBeCloseTo(0.1);
    expect(value(parsed, "cutover_shadow_read_comparisons", { cohort: "_other", table: "documents" })).toBe(4);
    expect(value(parsed, "cutover_cohort_mismatch_rate_ratio", { cohort: "Pilot schools" })).toBeCloseTo(4 / 110);
    expect(value(parsed, "cutover_cohort_mismatch_budget_ratio", { cohort: "Pilot schools" })).toBe(0.01);
    expect(value(parsed, "cutover_mismatch_open_records", { cohort: "Pilot schools", table: "documents" })).toBe(2);
    expect(value(parsed, "cutover_mismatch_inbox_batches")).toBe(1);
    expect(value(parsed, "cutover_mismatch_inbox_records")).toBe(7);
    expect(value(parsed, "cutover_mismatch_set_aside_batches")).toBe(1);
    expect(value(parsed, "cutover_gate_passed", { cohort: "Pilot schools", gate: "mismatch-budget" })).toBe(0);
    expect(value(parsed, "cutover_gate_passed", { cohort: "Pilot schools", gate: "xid-runway" })).toBe(1);
    expect(value(parsed, "cutover_ramp_blocked", { cohort: "Pilot schools" })).toBe(1);
    expect(value(parsed, "cutover_jobs", { kind: "reconciliation", status: "running" })).toBe(1);
    expect(value(parsed, "cutover_jobs", { kind: "backfill", status: "copying" })).toBe(1);
    expect(value(parsed, "cutover_jobs_failed_total", { kind: "reconciliation" })).toBe(1);
    expect(value(parsed, "cutover_jobs_waiting_for_database", { kind: "reconciliation" })).toBe(0);
    expect(value(parsed, "cutover_job_progress_ratio", { kind: "reconciliation", table: "public.documents" })).toBe(0.3);
    expect(value(parsed, "cutover_job_rows_per_second", { kind: "reconciliation", table: "public.documents" })).toBe(500);
    expect(value(parsed, "cutover_job_progress_ratio", { kind: "backfill", table: "public.annotations" })).toBe(0.25);
    expect(value(parsed, "cutover_job_rows_per_second", { kind: "backfill", table: "public.annotations" })).toBe(100);
    expect(value(parsed, "cutover_health_reading_age_seconds", { side: "source" })).toBeLessThan(60);
    expect(value(parsed, "cutover_database_up", { side: "source" })).toBe(1);
    expect(value(parsed, "cutover_capacity_runway_days", { side: "source" })).toBe(Infinity);
    expect(value(parsed, "cutover_webhook_deliveries", { destination: "ops", status: "failed" })).toBe(0);
  });

  it("exports the client's timings as a histogram per side, table and operation, in seconds", async () => {
    const parsed = await scrape();
    const series = { side: "source", table: "documents", operation: "select by id" };
    expect(value(parsed, "cutover_operation_duration_seconds_count", series)).toBe(3);
    expect(value(parsed, "cutover_operation_duration_seconds_sum", series)).toBeCloseTo(0.0055);
    // 2 ms is the bucket up to 2 ms: nothing below 1 ms, all three at 2 ms and above.
    expect(value(parsed, "cutover_operation_duration_seconds_bucket", { ...series, le: "0.001" })).toBe(0);
    expect(value(parsed, "cutover_operation_duration_seconds_bucket", { ...series, le: "0.002" })).toBe(3);
    expect(value(parsed, "cutover_operation_duration_seconds_bucket", { ...series, le: "+Inf" })).toBe(3);
    const target = { ...series, side: "target" };
    expect(value(parsed, "cutover_operation_duration_seconds_bucket", { ...target, le: "0.025" })).toBe(0);
    expect(value(parsed, "cutover_operation_duration_seconds_bucket", { ...target, le: "0.05" })).toBe(2);
    expect(value(parsed, "cutover_operation_errors_total", series)).toBe(1);
    expect(value(parsed, "cutover_operation_errors_total", target)).toBe(0);
    // No cohort label: the series are side x table x operation, whatever the number of cohorts.
    const labels = new Set(parsed.samples.filter((s) => s.name.startsWith("cutover_operation_duration_seconds")).flatMap((s) => Object.keys(s.labels)));
    expect([...labels].sort()).toEqual(["le", "operation", "side", "table"]);
  });

  it("keeps the histograms when old minutes are pruned, and bounds the operation labels in first-reported order", async () => {
    const sql = app.control.sql;
    await sql`delete from operation_latency`;
    const before = await scrape();
    expect(value(before, "cutover_operation_duration_seconds_count", { side: "source", table: "documents", operation: "select by id" })).toBe(3);
    await sql`insert into operation_latency_totals (table_name, operation, side, count, errors, sum_ms, buckets)
      select 'reported_' || g, 'op', 'target', 1, 0, 1, array_fill(0::bigint, array[22]) || array[1::bigint] from generate_series(1, 120) g order by g`;
    const parsed = await scrape();
    const pairs = new Set(
      parsed.samples.filter((s) => s.name === "cutover_operation_duration_seconds_count").map((s) => `${s.labels.table}/${s.labels.operation}`),
    );
    expect(pairs.size).toBe(101);
    expect(pairs.has("documents/select by id")).toBe(true);
    expect(pairs.has("reported_99/op")).toBe(true);
    expect(pairs.has("reported_100/op")).toBe(false);
    expect(value(parsed, "cutover_operation_duration_seconds_count", { side: "target", table: "_other", operation: "_other" })).toBe(21);
    await sql`delete from operation_latency_totals where table_name like 'reported_%'`;
  });

  it("keeps the table label bounded however many tables applications report", async () => {
    await app.control.sql`insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
      select ${cohortId}, 'reported_' || g, now(), g, 0 from generate_series(1, 150) g`;
    const parsed = await scrape();
    const tables = new Set(parsed.samples.filter((s) => s.name === "cutover_shadow_read_comparisons").map((s) => s.labels.table));
    expect(tables.size).toBe(101);
    // the 100 largest keep their label (documents with 100, reported_52..150), the rest sum into _other
    expect(value(parsed, "cutover_shadow_read_comparisons", { cohort: "Pilot schools", table: "reported_150" })).toBe(150);
    expect(value(parsed, "cutover_shadow_read_comparisons", { cohort: "Pilot schools", table: "_other" })).toBe(10 + (51 * 52) / 2);
    await app.control.sql`delete from mismatch_comparisons where table_name like 'reported_%'`;
  });

  it("serves the heavy providers from a shared snapshot while fresh, refreshes it after answering, and goes live past the bound", async () => {
    const sql = app.control.sql;
    const labels = { cohort: "Pilot schools", table: "documents" };
    const first = await scrape();
    expect(value(first, "cutover_shadow_read_comparisons", labels)).toBe(100);
    expect(value(first, "cutover_metrics_snapshot_age_seconds", { provider: "mismatches" })).toBe(0);
    await sql`update mismatch_comparisons set compared = compared + 50 where cohort_id = ${cohortId} and table_name = 'documents' and window_start > now() - interval '10 minutes'`;
    // Fresh: the stored figures, for this process and any other.
    const served = await scrape(app.token, { fresh: false });
    expect(value(served, "cutover_shadow_read_comparisons", labels)).toBe(100);
    // Older than the fresh bound: still served, and refreshed once the scrape has answered.
    await sql`update metrics_snapshots set collected_at = now() - make_interval(secs => ${SNAPSHOT_FRESH_SECONDS + 5})`;
    const stale = await scrape(app.token, { fresh: false });
    expect(value(stale, "cutover_shadow_read_comparisons", labels)).toBe(100);
    expect(value(stale, "cutover_metrics_snapshot_age_seconds", { provider: "mismatches" })).toBeGreaterThan(SNAPSHOT_FRESH_SECONDS);
    await expect.poll(async () => value(await scrape(app.token, { fresh: false }), "cutover_shadow_read_comparisons", labels)).toBe(150);
    const refreshed = await scrape(app.token, { fresh: false });
    expect(value(refreshed, "cutover_metrics_snapshot_age_seconds", { provider: "mismatches" })).toBeLessThan(SNAPSHOT_FRESH_SECONDS);
    // Past the hard bound: collected for this scrape, never older figures.
    await sql`update mismatch_comparisons set compared = compared - 50 where cohort_id = ${cohortId} and table_name = 'documents' and window_start > now() - interval '10 minutes'`;
    await sql`update metrics_snapshots set collected_at = now() - make_interval(secs => ${SNAPSHOT_MAX_AGE_SECONDS + 1})`;
    const live = await scrape(app.token, { fresh: false });
    expect(value(live, "cutover_shadow_read_comparisons", labels)).toBe(100);
    expect(value(live, "cutover_metrics_snapshot_age_seconds", { provider: "mismatches" })).toBe(0);
  });

  it("every metric the alerting rules use is one /metrics exposes", async () => {
    const parsed = await scrape();
    const rules = await readFile("deploy/prometheus/cutover-alerts.yml", "utf8");
    const used = new Set([...rules.matchAll(/expr:[^\n]*(?:\n {12}[^\n]*)*/g)].flatMap((m) => [...m[0].matchAll(/\bcutover_[a-z0-9_]+/g)].map((x) => x[0])));
    expect(used.size).toBeGreaterThan(10);
    const exposed = new Set(parsed.types.keys());
    // A histogram's parts (_bucket, _sum, _count) are named after its family.
    const family = (name: string) => name.replace(/_(bucket|sum|count)$/, "");
    const missing = [...used].filter((name) => !exposed.has(name) && !(parsed.types.get(family(name)) === "histogram"));
    expect(missing).toEqual([]);
  });
});
