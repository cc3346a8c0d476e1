import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCutoverClient } from "../../../client/src/index";
import { gates } from "~/gates/index.server";
import { latencyBudgetGate } from "~/gates/latency-budget.server";
import { LATENCY_BUCKETS, emptyBuckets, latencyBucket, type LatencyReport } from "~/latency/histogram";
import { SYSTEM_ACTOR } from "~/models/audit.server";
import { setCohortLatencyBudget } from "~/models/latency-budget.server";
import { latencyByOperation } from "~/models/operation-latency.server";
import { stepDueRamps } from "~/rollout/scheduled-ramps.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSetupCohort } from "../../support/cohorts";

let app: TestApp;
const HOUR = 3_600_000;

beforeAll(async () => {
  app = await startTestApp();
  // Only the gate under test: the others need health readings and comparisons of their own.
  gates.splice(0, gates.length, latencyBudgetGate);
});
afterAll(async () => {
  await app?.close();
});

function post(body: unknown, headers: Record<string, string> = {}) {
  return fetch(`${app.baseUrl}/api/v1/mismatches`, {
    method: "POST",
    headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json", ...headers },
    body: JSON.stringify(body),
  });
}

const thisMinute = () => new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();

/** A report of `count` calls of about `ms` each (all in ms's bucket). */
function report(cohort: string | null, side: "source" | "target", ms: number, count: number, extra: Partial<LatencyReport> = {}): LatencyReport {
  const buckets = emptyBuckets();
  buckets[latencyBucket(ms)] = count;
  return { cohort, table: "documents", operation: "select by id", side, windowStart: thisMinute(), count, errors: 0, sumMs: ms * count, buckets, ...extra };
}

async function stored(cohort: string) {
  return app.control.sql<{ side: string; count: number; errors: number; buckets: string[] }[]>`
    select side::text, count::int, errors::int, buckets::text[] as buckets from operation_latency where cohort_id = ${cohort} order by side`;
}

describe("latency reports on POST /api/v1/mismatches", () => {
  it("stores the real client's histograms per side, beside its comparison counts", async () => {
    const cohort = await createSetupCohort({ name: "Timed writers", mode: "dual_write", percentBasisPoints: 10_000 });
    const client = createCutoverClient({ url: app.baseUrl, token: app.token, pollIntervalMs: 60_000, reporter: { flushIntervalMs: 60_000 } });
    try {
      await client.ready();
      expect(client.assignment("anyone").mode).toBe("dual_write");
      for (let i = 0; i < 25; i++) {
        await client.write(
          `user-${i}`,
          { source: () => i, target: () => new Promise((r) => setTimeout(() => r(i), 5)) },
          { table: "documents", operation: "insert document", primaryKey: i },
        );
      }
      expect(await client.reporter.flush(10_000)).toBe(true);
    } finally {
      await client.close(1_000);
    }
    const rows = await stored(cohort.id);
    expect(rows.map((r) => [r.side, r.count])).toEqual([
      ["source", 25],
      ["target", 25],
    ]);
    for (const r of rows) expect(r.buckets.reduce((a, b) => a + Number(b), 0)).toBe(r.count);
    const [operation] = await latencyByOperation({ since: new Date(Date.now() - HOUR), cohortId: cohort.id });
    expect(operation).toMatchObject({ table: "documents", operation: "insert document" });
    // Held open 5 ms on the target: its p50 is above the source's, which answered at once.
    expect(operation.target!.p50).toBeGreaterThan(operation.source!.p50);
  });

  it("adds reports of one series exactly, across batches and processes, and a replayed batch adds nothing", async () => {
    const a = report("merge-cohort", "target", 4, 30);
    const b = report("merge-cohort", "target", 40, 10, { errors: 2 });
    expect((await post({ mismatches: [], comparisons: [], latencies: [a] }, { "Idempotency-Key": "lat-a" })).status).toBe(202);
    expect((await post({ mismatches: [], comparisons: [], latencies: [b] })).status).toBe(202);
    const replay = await post({ mismatches: [], comparisons: [], latencies: [a] }, { "Idempotency-Key": "lat-a" });
    expect(await replay.json()).toMatchObject({ replayed: true });
    const [row] = await stored("merge-cohort");
    const expected = a.buckets.map((n, i) => String(n + b.buckets[i]));
    expect(row).toEqual({ side: "target", count: 40, errors: 2, buckets: expected });
  });

  it("answers 400 naming every impossible report, and writes nothing of the batch", async () => {
    const good = report("bad-cohort", "source", 2, 5);
    const body = {
      mismatches: [],
      comparisons: [{ cohort: "bad-cohort", table: "documents", windowStart: thisMinute(), compared: 5, mismatched: 0 }],
      latencies: [
        good,
        { ...good, count: 6 }, // buckets add up to 5
        { ...good, sumMs: -1 },
        { ...good, buckets: [1, 2, 3] },
        { ...good, errors: 9 },
        { ...good, side: "both" },
        { ...good, buckets: good.buckets.map((n, i) => (i === 0 ? -5 : n)) },
        { ...good, sumMs: 100_000 }, // five calls of at most 2 ms cannot take 100 s
      ],
    };
    const response = await post(body);
    expect(response.status).toBe(400);
    const { error } = await response.json();
    const errors = error.details.errors as { section: string; index: number; field: string; reason: string }[];
    expect(errors.map((e) => [e.index, e.field])).toEqual([
      [1, "buckets"],
      [2, "sumMs"],
      [3, "buckets"],
      [4, "errors"],
      [5, "side"],
      [6, "buckets[0]"],
      [7, "sumMs"],
    ]);
    expect(errors.every((e) => e.section === "latencies")).toBe(true);
    expect(errors[0].reason).toBe("add up to 5, but count is 6");
    expect(await stored("bad-cohort")).toEqual([]);
    const [{ n }] = await app.control.sql`select count(*)::int as n from mismatch_inbox`;
    expect(n).toBe(0);
    expect(LATENCY_BUCKETS).toBe(good.buckets.length);
  });
});

describe("the latency gate", () => {
  it("blocks a ramp while the target's p99 exceeds k x the source's, and lets it step within", async () => {
    const cohort = await createSetupCohort({
      name: "Ramped on latency",
      mode: "dual_write",
      percentBasisPoints: 100,
      rampSteps: [100, 500, 2500],
      rampEveryHours: 6,
    });
    expect(await setCohortLatencyBudget(SYSTEM_ACTOR, cohort.id, 2, "target must keep up")).toBe(true);
    const due = cohort.updatedAt.getTime() + 7 * HOUR;
    // Nothing timed yet: silence is not evidence, the ramp waits.
    let outcome = (await stepDueRamps(due)).find((o) => o.cohortId === cohort.id);
    expect(outcome).toMatchObject({ outcome: "blocked", detail: expect.stringMatching(/too few timings/) });

    // The target is about 8x slower than the source at p99.
    await post({ mismatches: [], comparisons: [], latencies: [report(cohort.id, "source", 4, 500), report(cohort.id, "target", 30, 500)] });
    outcome = (await stepDueRamps(due)).find((o) => o.cohortId === cohort.id);
    expect(outcome).toMatchObject({ outcome: "blocked", detail: expect.stringMatching(/target p99 .* exceeds 2\.0x the source's/) });
    let [row] = await app.control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(row.percent_basis_points).toBe(100);

    // A budget of 10x admits it: the ramp steps.
    await setCohortLatencyBudget(SYSTEM_ACTOR, cohort.id, 10, "the target is known to be slower in the demo region");
    outcome = (await stepDueRamps(due)).find((o) => o.cohortId === cohort.id);
    expect(outcome).toMatchObject({ outcome: "stepped" });
    [row] = await app.control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(row.percent_basis_points).toBe(500);
    const audits = await app.control.sql`select after from audit_log where action = 'cohort.latency_budget' and entity_id = ${cohort.id} order by id`;
    expect(audits.map((a) => a.after)).toEqual([{ p99Factor: 2 }, { p99Factor: 10 }]);
  });

  it("passes a cohort without a budget, and one that mirrors nothing yet", async () => {
    const context = {
      cohortId: "00000000-0000-0000-0000-000000000000",
      cohortName: "x",
      fromMode: "dual_write",
      toMode: "shadow_read",
      fromBasisPoints: 0,
      toBasisPoints: 0,
    } as const;
    expect(await latencyBudgetGate.check(context)).toEqual({ passed: true, reason: "no latency budget set for this cohort" });
    const cohort = await createSetupCohort({ name: "Not mirrored", mode: "source_only", percentBasisPoints: 100 });
    await setCohortLatencyBudget(SYSTEM_ACTOR, cohort.id, 2, "set early");
    const outcome = await latencyBudgetGate.check({ ...context, cohortId: cohort.id, fromMode: "source_only", toMode: "dual_write" });
    expect(outcome.passed).toBe(true);
  });
});
