import { readFile } from "node:fs/promises";
import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { targetFreeSpaceGate } from "../../../app/gates/target-free-space.server";
import { xidRunwayGate } from "../../../app/gates/xid-runway.server";
import type { HealthReading } from "../../../app/health/collect.server";
import { runHealthCycle } from "../../../app/jobs/health.server";
import { claimHealthSlot, saveHealthReading } from "../../../app/models/health.server";
import { parsePrometheusText } from "../../../app/metrics/prometheus-parse";
import { startTestApp, type TestApp } from "../../support/app-server";

const GATE_CONTEXT = { cohortId: "c", cohortName: "c", fromMode: "dual_write", toMode: "shadow_read", fromBasisPoints: 0, toBasisPoints: 100 } as const;

/**
 * The running app against a PostgreSQL source and, as the target, the CockroachDB stand-in
 * (/work/shared/fixtures/crdb-standin.sql; every target connection sees it through the database's search_path).
 */
let app: TestApp;
let viewer: string;
let cycle = 0;

/** Each call is a distinct 30 s slot, so every call stores a reading. */
async function collect() {
  cycle += 1;
  return runHealthCycle(Date.now() + cycle * 30_000);
}

beforeAll(async () => {
  // startTestApp may run `remix build`, which inherits vitest's NODE_ENV=test and emits development JSX that the
  // production runtime it then serves with cannot render; build as production like the served app.
  process.env.NODE_ENV = "production";
  app = await startTestApp({
    async prepare({ target }) {
      const loader = postgres(target.url, { max: 1, onnotice: () => {} });
      await loader.unsafe(await readFile("/work/shared/fixtures/crdb-standin.sql", "utf8"));
      await loader.unsafe(`alter database "${target.name}" set search_path = public, crdb_standin, pg_catalog`);
      await loader.end();
    },
  });
  viewer = await app.login("viewer");
  await collect();
});

afterAll(async () => {
  await app?.close();
});

async function page(path: string) {
  const response = await fetch(`${app.baseUrl}${path}`, { headers: { Cookie: viewer } });
  return { status: response.status, html: await response.text() };
}

describe("database health in the app", () => {
  it("GET /metrics needs a metrics:read token and returns Prometheus text", async () => {
    expect((await fetch(`${app.baseUrl}/metrics`)).status).toBe(401);
    const response = await fetch(`${app.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${app.token}` } });
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    const parsed = parsePrometheusText(await response.text());
    expect(parsed.types.get("cutover_xid_age")).toBe("gauge");
    expect(parsed.samples.find((s) => s.name === "cutover_xid_age" && s.labels.database === app.source.name)?.value).toBeGreaterThan(0);
    expect(parsed.samples.filter((s) => s.name === "cutover_store_free_ratio")).toHaveLength(3);
    expect(parsed.samples.find((s) => s.name === "cutover_metrics_provider_up" && s.labels.provider === "health")?.value).toBe(1);
    expect(parsed.samples.find((s) => s.name === "cutover_database_up" && s.labels.side === "target")?.value).toBe(1);
  });

  it("the Wraparound page shows the source's databases and an open transaction as a blocker", async () => {
    const other = await app.source.sql.reserve();
    try {
      await other`begin`;
      const [{ pid }] = await other<{ pid: number }[]>`select pg_backend_pid() as pid, pg_current_xact_id()`;
      await collect();
      const { status, html } = await page("/wraparound");
      expect(status).toBe(200);
      expect(html).toContain(app.source.name);
      // A transaction a few XIDs old holds back nothing the next vacuum would freeze: it is folded into a count,
      // not listed with advice to cancel it (tests/e2e/health.spec.ts ages one past the meaningful age).
      expect(html).not.toContain(`backend ${pid}`);
      expect(html).toMatch(/\d+ younger transactions? (\([^)]*\) )?not listed/);
      await other`commit`;
    } finally {
      other.release();
    }
  });

  it("the Capacity page shows the target's stores and says they were only checked on the stand-in", async () => {
    const { status, html } = await page("/capacity");
    expect(status).toBe(200);
    expect(html).toContain("Node 1 / store 1");
    expect(html).toContain("stand-in");
  });

  it("the Overview shows the database health section", async () => {
    const { html } = await page("/");
    expect(html).toContain("XID runway (source)");
    expect(html).toContain("Capacity runway");
  });

  it("the gates pass on a healthy source and target, and the free-space gate blocks a full store", async () => {
    expect(await xidRunwayGate.check(GATE_CONTEXT)).toMatchObject({ passed: true });
    expect(await targetFreeSpaceGate.check(GATE_CONTEXT)).toMatchObject({ passed: true });
    await app.target.sql`update crdb_internal.kv_store_status set available = capacity * 0.2 where store_id = 2`;
    await collect();
    const blocked = await targetFreeSpaceGate.check(GATE_CONTEXT);
    expect(blocked.passed).toBe(false);
    expect(blocked.reason).toMatch(/store 2 on node 2 has 20\.0% free/);
  });

  it("the XID gate blocks when the runway to the failsafe is under its threshold", async () => {
    // A controlled reading: the real latest one, with the oldest database at 1.5B and 10,000 XIDs/s, i.e.
    // 100M XIDs (2.8 h) from the 1.6B failsafe, under the default 72 h gate.
    const [row] = await app.control.sql<{ detail: HealthReading }[]>`
      select detail from health_readings where side = 'source' and ok order by collected_at desc limit 1`;
    const reading = structuredClone(row.detail);
    if (!reading.ok || !reading.xid) throw new Error("no XID reading to start from");
    reading.xid.databases[0].xidAge = 1_500_000_000;
    reading.collectedAt = Date.now();
    cycle += 1;
    const id = await claimHealthSlot("source", Math.floor((Date.now() + cycle * 30_000) / 30_000), new Date(), app.control.sql);
    await saveHealthReading(id!, "source", reading, 10_000, app.control.sql);
    const outcome = await xidRunwayGate.check(GATE_CONTEXT);
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toMatch(/reaches the failsafe in 3 h; advances need at least 3\.0 days of runway/);
    await collect();
    expect((await xidRunwayGate.check(GATE_CONTEXT)).passed).toBe(true);
  });

  it("a target that refuses the monitoring queries shows as down with the error, and the rest keeps working", async () => {
    await app.target.sql`drop table crdb_internal.gossip_liveness`;
    await collect();
    const capacity = await page("/capacity");
    expect(capacity.status).toBe(200);
    expect(capacity.html).toContain("Target health unavailable");
    expect(capacity.html).toContain("gossip_liveness");
    const wraparound = await page("/wraparound");
    expect(wraparound.html).not.toContain("Source health unavailable");
    const metrics = parsePrometheusText(await (await fetch(`${app.baseUrl}/metrics`, { headers: { Authorization: `Bearer ${app.token}` } })).text());
    expect(metrics.samples.find((s) => s.name === "cutover_database_up" && s.labels.side === "target")?.value).toBe(0);
    expect(metrics.samples.some((s) => s.name === "cutover_xid_age")).toBe(true);
    expect(await targetFreeSpaceGate.check(GATE_CONTEXT)).toMatchObject({ passed: false });
  });
});
