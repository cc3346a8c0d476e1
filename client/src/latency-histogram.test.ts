import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, addBuckets, emptyBuckets, latencyBucket, latencyQuantile, type LatencyReport } from "../../app/latency/histogram";
import { startFakeControlPlane, type FakeControlPlane } from "../test-support/fake-control-plane";
import { testRuleset } from "../test-support/rulesets";
import { createCutoverClient, type CutoverClient } from "./cutover-client";
import { LatencyRecorder } from "./latency-histogram";

const MINUTE = Date.UTC(2026, 11, 2, 17, 0, 0);
const parse = (entries: string[]) => entries.map((e) => JSON.parse(e) as LatencyReport);

describe("latency buckets", () => {
  it("puts a value in the first bucket whose bound holds it, past the last in the overflow", () => {
    expect(latencyBucket(0)).toBe(0);
    expect(latencyBucket(0.1)).toBe(0);
    expect(latencyBucket(0.11)).toBe(1);
    expect(latencyBucket(1)).toBe(LATENCY_BOUNDS_MS.indexOf(1));
    expect(latencyBucket(1.0001)).toBe(LATENCY_BOUNDS_MS.indexOf(2));
    expect(latencyBucket(10_000)).toBe(LATENCY_BOUNDS_MS.length - 1);
    expect(latencyBucket(10_001)).toBe(LATENCY_BUCKETS - 1);
  });

  it("reads quantiles inside the bucket they fall in", () => {
    const buckets = emptyBuckets();
    buckets[latencyBucket(4)] = 99; // (3, 5]
    buckets[latencyBucket(400)] = 1; // (250, 500]
    expect(latencyQuantile(buckets, 0.5)).toBeGreaterThan(3);
    expect(latencyQuantile(buckets, 0.5)).toBeLessThanOrEqual(5);
    expect(latencyQuantile(buckets, 0.999)).toBeGreaterThan(250);
    expect(latencyQuantile(emptyBuckets(), 0.99)).toBeNull();
  });
});

describe("LatencyRecorder", () => {
  it("keeps one histogram per cohort, table, operation, side and minute, and resets what it hands over", () => {
    const recorder = new LatencyRecorder();
    recorder.record("c1", "documents", "select", "source", 0.7, false, MINUTE + 1_000);
    recorder.record("c1", "documents", "select", "source", 1.5, false, MINUTE + 2_000);
    recorder.record("c1", "documents", "select", "target", 12, true, MINUTE + 2_000);
    recorder.record(null, "documents", "select", "source", 3, false, MINUTE + 3_000);
    // The next minute closes the first one of that series.
    recorder.record("c1", "documents", "select", "source", 40, false, MINUTE + 61_000);
    expect(recorder.pending()).toBe(4);
    const reports = parse(recorder.take(100));
    expect(reports).toHaveLength(4);
    const first = reports.filter((r) => r.cohort === "c1" && r.windowStart === new Date(MINUTE).toISOString());
    const source = first.find((r) => r.side === "source")!;
    expect(source).toMatchObject({ table: "documents", operation: "select", count: 2, errors: 0, sumMs: 2.2 });
    expect(source.buckets[latencyBucket(0.7)]).toBe(1);
    expect(source.buckets[latencyBucket(1.5)]).toBe(1);
    expect(first.find((r) => r.side === "target")).toMatchObject({ count: 1, errors: 1, sumMs: 12 });
    expect(reports.find((r) => r.cohort === null)).toMatchObject({ count: 1, side: "source" });
    expect(reports.find((r) => r.windowStart === new Date(MINUTE + 60_000).toISOString())).toMatchObject({ count: 1, sumMs: 40 });
    for (const r of reports) expect(r.buckets.reduce((a, b) => a + b, 0)).toBe(r.count);
    expect(recorder.pending()).toBe(0);
    expect(recorder.take(100)).toEqual([]);
  });

  it("merges exactly: two processes' histograms add up to the histogram of all their timings", () => {
    const values = Array.from({ length: 2_000 }, (_, i) => ((i * 7919) % 30_011) / 2.3);
    const [a, b, all] = [new LatencyRecorder(), new LatencyRecorder(), new LatencyRecorder()];
    values.forEach((ms, i) => {
      (i % 3 === 0 ? a : b).record("c", "t", "op", "target", ms, false, MINUTE);
      all.record("c", "t", "op", "target", ms, false, MINUTE);
    });
    const [ra] = parse(a.take(10));
    const [rb] = parse(b.take(10));
    const [rall] = parse(all.take(10));
    expect(addBuckets([...ra.buckets], rb.buckets)).toEqual(rall.buckets);
    expect(ra.count + rb.count).toBe(rall.count);
  });

  it("stops adding series at its bound and counts what it could not time", () => {
    const recorder = new LatencyRecorder({ maxSeries: 2 });
    for (const op of ["a", "b", "c"]) recorder.record("c", "t", op, "source", 1, false, MINUTE);
    expect(recorder.stats()).toMatchObject({ pending: 2, droppedTimings: 1 });
  });
});

describe("the client times mirrored operations and reports them with its comparison counts", () => {
  let plane: FakeControlPlane;
  const clients: CutoverClient[] = [];
  beforeAll(async () => {
    plane = await startFakeControlPlane();
    plane.setRuleset(testRuleset(1));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close(100)));
    plane.processed.length = 0;
  });
  afterAll(async () => {
    await plane.close();
  });
  async function client(latency?: false) {
    const c = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000, reporter: { flushIntervalMs: 60_000 }, latency });
    clients.push(c);
    await c.ready();
    return c;
  }
  const held = (ms: number, value: unknown) => () => new Promise((resolve) => setTimeout(() => resolve(value), ms));
  const eu = { attributes: { region: "eu" } };

  it("records both sides of dual writes and shadow reads, per table and operation, in the batch with the counts", async () => {
    const c = await client();
    for (let i = 0; i < 3; i++) {
      await c.write("user-dual_write", { source: () => "ok", target: held(30, "ok") }, { table: "annotations", operation: "insert annotation", primaryKey: i });
    }
    // A shadow_read user from the EU cohort: the target read is held open longer than the source's.
    for (let i = 0; i < 4; i++) {
      await c.read(
        "eu-reader",
        { source: () => ({ id: 1 }), target: held(30, { id: 1 }) },
        { ...eu, compare: { table: "documents" }, operation: "select by id" },
      );
    }
    // Not mirrored: nothing to compare, nothing timed.
    await c.write("user-source_only", { source: () => "ok", target: () => "ok" }, { table: "annotations" });
    await expect.poll(() => c.counters().comparisons).toBe(4);
    expect(await c.reporter.flush(5_000)).toBe(true);
    const body = plane.processed.find((b) => b.latencies?.length)!;
    expect(body.comparisons).toEqual([expect.objectContaining({ cohort: "cohort-eu", table: "documents", compared: 4 })]);
    const latencies = body.latencies!;
    expect(latencies).toHaveLength(4);
    const writes = latencies.filter((l) => l.table === "annotations");
    expect(writes.map((l) => [l.side, l.operation, l.cohort, l.count])).toEqual(
      expect.arrayContaining([
        ["source", "insert annotation", null, 3],
        ["target", "insert annotation", null, 3],
      ]),
    );
    const reads = latencies.filter((l) => l.table === "documents");
    expect(reads.every((l) => l.cohort === "cohort-eu" && l.operation === "select by id" && l.count === 4)).toBe(true);
    // Held open 30 ms: every target timing is in a bucket above 25 ms, and the source's p99 is below the target's.
    for (const target of latencies.filter((l) => l.side === "target")) {
      expect(target.buckets.slice(0, latencyBucket(25) + 1).reduce((a, b) => a + b, 0)).toBe(0);
      expect(target.sumMs).toBeGreaterThanOrEqual(target.count * 25);
    }
    const readSource = reads.find((l) => l.side === "source")!;
    const readTarget = reads.find((l) => l.side === "target")!;
    expect(latencyQuantile(readSource.buckets, 0.99)!).toBeLessThan(latencyQuantile(readTarget.buckets, 0.99)!);
  });

  it("times a failed secondary write as an error on its side", async () => {
    const c = await client();
    await c.write("user-dual_write", { source: () => "ok", target: () => Promise.reject(new Error("down")) }, { table: "comments", primaryKey: 1 });
    expect(await c.reporter.flush(5_000)).toBe(true);
    const latencies = plane.processed.flatMap((b) => b.latencies ?? []);
    expect(latencies.find((l) => l.side === "target")).toMatchObject({ table: "comments", operation: "write", count: 1, errors: 1 });
    expect(latencies.find((l) => l.side === "source")).toMatchObject({ count: 1, errors: 0 });
  });

  it("sends no latencies with timing off", async () => {
    const c = await client(false);
    await c.write("user-dual_write", { source: () => "ok", target: () => "ok" }, { table: "comments", primaryKey: 1 });
    await c.read("user-shadow_read", { source: () => null, target: () => null }, { compare: { table: "documents" } });
    await expect.poll(() => c.counters().comparisons).toBe(1);
    expect(await c.reporter.flush(5_000)).toBe(true);
    expect(plane.processed.flatMap((b) => b.latencies ?? [])).toEqual([]);
    expect(c.latency).toBeNull();
  });
});
