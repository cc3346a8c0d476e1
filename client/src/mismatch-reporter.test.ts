import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { startFakeControlPlane, waitFor, type FakeControlPlane } from "../test-support/fake-control-plane";
import { MismatchReporter, mismatchFingerprint, type MismatchReport } from "./mismatch-reporter";

function report(n: number, overrides: Partial<MismatchReport> = {}): MismatchReport {
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: String(n),
    userId: `user-${n}`,
    cohort: "cohort-eu",
    sourceValue: { id: n, title: "a" },
    targetValue: { id: n, title: "b" },
    ...overrides,
  };
}

function deliveredKeys(plane: FakeControlPlane): string[] {
  return plane.processed.flatMap((b) => b.mismatches.map((m) => String(m.primaryKey)));
}

describe("MismatchReporter", () => {
  let plane: FakeControlPlane;
  let reporter: MismatchReporter | undefined;

  beforeEach(async () => {
    plane = await startFakeControlPlane();
  });
  afterEach(async () => {
    await reporter?.close(100);
    reporter = undefined;
    await plane.close();
  });

  it("batches mismatches and comparison counts into one POST with the agreed body shape", async () => {
    reporter = new MismatchReporter({ url: plane.url, token: plane.token, flushIntervalMs: 60_000, maxBatchSize: 100 });
    for (let i = 0; i < 3; i++) reporter.enqueue(report(i));
    reporter.recordComparison("cohort-eu", "documents", false);
    reporter.recordComparison("cohort-eu", "documents", true);
    reporter.recordComparison(null, "documents", false);

    expect(await reporter.flush()).toBe(true);
    expect(plane.mismatchAttempts).toHaveLength(1);
    expect(plane.mismatchAttempts[0].authorization).toBe(`Bearer ${plane.token}`);
    expect(plane.mismatchAttempts[0].key).toMatch(/^[0-9a-f-]{36}$/);
    const [body] = plane.processed;
    expect(body.mismatches.map((m) => m.primaryKey)).toEqual(["0", "1", "2"]);
    expect(body.mismatches[0]).toEqual({
      origin: "shadow_read",
      kind: "value_mismatch",
      table: "documents",
      primaryKey: "0",
      userId: "user-0",
      cohort: "cohort-eu",
      fingerprint: mismatchFingerprint({ kind: "value_mismatch", table: "documents", primaryKey: "0" }),
      sourceValue: { id: 0, title: "a" },
      targetValue: { id: 0, title: "b" },
      detectedAt: expect.stringMatching(/^\d{4}-\d\d-\d\dT/),
    });
    const eu = body.comparisons.find((c) => c.cohort === "cohort-eu")!;
    expect(eu).toMatchObject({ table: "documents", compared: 2, mismatched: 1 });
    expect(new Date(eu.windowStart).getTime() % 60_000).toBe(0);
    expect(body.comparisons.find((c) => c.cohort === null)).toMatchObject({ compared: 1, mismatched: 0 });
    expect(reporter.stats()).toMatchObject({ delivered: 3, comparisonsDelivered: 2, pending: 0, batchesDelivered: 1 });
  });

  it("splits a large queue into batches of maxBatchSize, sent without waiting for the interval", async () => {
    reporter = new MismatchReporter({ url: plane.url, token: plane.token, flushIntervalMs: 60_000, maxBatchSize: 50 });
    for (let i = 0; i < 120; i++) reporter.enqueue(report(i));
    // A full batch triggers a send on its own: no flush() call, and the interval is a minute away.
    await waitFor(() => plane.processed.length >= 2, 5_000, "two full batches");
    expect(await reporter.flush()).toBe(true);
    expect(plane.processed.map((b) => b.mismatches.length)).toEqual([50, 50, 20]);
    expect(deliveredKeys(plane)).toEqual(Array.from({ length: 120 }, (_, i) => String(i)));
  });

  it("drops (and counts) reports beyond the bounded queue instead of growing", async () => {
    plane.setMismatchBehaviour("unavailable");
    reporter = new MismatchReporter({
      url: plane.url,
      token: plane.token,
      maxQueue: 100,
      maxBatchSize: 1_000,
      flushIntervalMs: 60_000,
      backoffBaseMs: 60_000,
    });
    let accepted = 0;
    for (let i = 0; i < 250; i++) if (reporter.enqueue(report(i))) accepted++;
    expect(accepted).toBe(100);
    expect(reporter.stats()).toMatchObject({ pending: 100, dropped: 150, enqueued: 100 });

    plane.setMismatchBehaviour("accept");
    expect(await reporter.flush()).toBe(true);
    // The oldest 100 (the ones that fit) arrive; the dropped newest never do.
    expect(deliveredKeys(plane)).toEqual(Array.from({ length: 100 }, (_, i) => String(i)));
  });

  it("retries a failed batch with the same Idempotency-Key and the same bytes, with growing backoff", async () => {
    plane.setMismatchBehaviour("unavailable");
    reporter = new MismatchReporter({
      url: plane.url,
      token: plane.token,
      flushIntervalMs: 60_000,
      backoffBaseMs: 5,
      backoffMaxMs: 40,
    });
    reporter.enqueue(report(1));
    expect(await reporter.flush(150)).toBe(false);
    await waitFor(() => plane.mismatchAttempts.length >= 4, 5_000, "four attempts");
    plane.setMismatchBehaviour("accept");
    expect(await reporter.flush()).toBe(true);

    const keys = new Set(plane.mismatchAttempts.map((a) => a.key));
    expect(keys.size).toBe(1);
    expect(plane.processed).toHaveLength(1);
    expect(reporter.stats().retries).toBeGreaterThanOrEqual(4);
    expect(reporter.stats().lastError).toBeNull();
  });

  it("does not duplicate a batch whose response was lost after the server processed it", async () => {
    plane.setMismatchBehaviour("lose-response");
    reporter = new MismatchReporter({ url: plane.url, token: plane.token, flushIntervalMs: 60_000, backoffBaseMs: 5 });
    reporter.enqueue(report(7));
    void reporter.flush(50);
    await waitFor(() => reporter!.stats().retries >= 1, 5_000, "a retry after the lost response");
    expect(plane.processed).toHaveLength(1);
    expect(reporter.stats().lastError).toMatch(/failed/);
    plane.setMismatchBehaviour("accept");
    expect(await reporter.flush()).toBe(true);

    expect(plane.mismatchAttempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(plane.mismatchAttempts.map((a) => a.key)).size).toBe(1);
    expect(deliveredKeys(plane)).toEqual(["7"]);
    expect(reporter.stats()).toMatchObject({ delivered: 1, pending: 0 });
  });

  it("survives the control plane going away and coming back: nothing that fit is lost, nothing duplicated", async () => {
    reporter = new MismatchReporter({
      url: plane.url,
      token: plane.token,
      flushIntervalMs: 10,
      maxBatchSize: 40,
      backoffBaseMs: 5,
      backoffMaxMs: 20,
    });
    for (let i = 0; i < 50; i++) reporter.enqueue(report(i));
    await waitFor(() => plane.processed.length > 0, 5_000, "first delivery");
    await plane.stop();
    for (let i = 50; i < 300; i++) reporter.enqueue(report(i));
    await waitFor(() => reporter!.stats().retries >= 3, 5_000, "retries during the outage");
    await plane.start();
    expect(await reporter.flush()).toBe(true);

    const keys = deliveredKeys(plane);
    expect(keys).toHaveLength(300);
    expect(new Set(keys).size).toBe(300);
    expect(reporter.stats()).toMatchObject({ delivered: 300, dropped: 0, pending: 0 });
  });

  it("gives up on a batch the API refuses (400) and counts it, then carries on", async () => {
    plane.setMismatchBehaviour("reject");
    reporter = new MismatchReporter({ url: plane.url, token: plane.token, flushIntervalMs: 60_000 });
    reporter.enqueue(report(1));
    expect(await reporter.flush()).toBe(true);
    expect(reporter.stats()).toMatchObject({ rejectedBatches: 1, rejectedMismatches: 1, delivered: 0 });
    plane.setMismatchBehaviour("accept");
    reporter.enqueue(report(2));
    expect(await reporter.flush()).toBe(true);
    expect(deliveredKeys(plane)).toEqual(["2"]);
  });

  it("computes backoff that doubles per attempt up to the cap, with jitter within the upper half", () => {
    const low = new MismatchReporter({
      url: "http://127.0.0.1:9",
      token: "t",
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      random: () => 0,
    });
    const high = new MismatchReporter({
      url: "http://127.0.0.1:9",
      token: "t",
      backoffBaseMs: 100,
      backoffMaxMs: 1_000,
      random: () => 1,
    });
    expect([1, 2, 3, 4, 5, 6].map((a) => low.backoffDelay(a))).toEqual([50, 100, 200, 400, 500, 500]);
    expect([1, 2, 3, 4, 5, 6].map((a) => high.backoffDelay(a))).toEqual([100, 200, 400, 800, 1_000, 1_000]);
    void low.close(0);
    void high.close(0);
  });

  it("keeps one bad record (cycle, no key, oversized table) from sinking the batch; sends bigint as a string", async () => {
    reporter = new MismatchReporter({ url: plane.url, token: plane.token, flushIntervalMs: 60_000 });
    const cyclic: Record<string, unknown> = {};
    cyclic.self = cyclic;
    reporter.enqueue(report(1, { sourceValue: cyclic }));
    reporter.enqueue(report(2, { sourceValue: { n: 12345678901234567890n } }));
    reporter.enqueue(report(3, { primaryKey: "" }));
    reporter.enqueue(report(4, { table: "x".repeat(513) }));
    expect(await reporter.flush()).toBe(true);
    expect(deliveredKeys(plane)).toEqual(["2"]);
    expect(plane.processed[0].mismatches[0].sourceValue).toEqual({ n: "12345678901234567890" });
    expect(reporter.stats().rejectedMismatches).toBe(3);
  });

  it("refuses reports after close() and counts them as dropped", async () => {
    reporter = new MismatchReporter({ url: plane.url, token: plane.token });
    reporter.enqueue(report(1));
    expect(await reporter.close()).toBe(true);
    expect(reporter.enqueue(report(2))).toBe(false);
    expect(reporter.stats()).toMatchObject({ delivered: 1, dropped: 1 });
  });
});
