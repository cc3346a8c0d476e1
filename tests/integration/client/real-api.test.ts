import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MismatchReporter, type MismatchReport } from "../../../client/src/index";
import { waitFor } from "../../../client/test-support/fake-control-plane";
import { drainMismatchInbox } from "../../../app/models/mismatch-fold.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { startRelay, type Relay } from "./relay";

/**
 * The reporter against the real POST /api/v1/mismatches of the built app. Between them sits a small HTTP relay
 * the test can stop (connection refused: the control plane is down) or make drop the answer after the app has
 * committed the batch (the case idempotency keys exist for). The control database is the judge: nothing lost,
 * nothing counted twice.
 */
function report(n: number): MismatchReport {
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: String(n),
    userId: `user-${n}`,
    cohort: "cohort-eu",
    sourceValue: { id: n, title: "Essay" },
    targetValue: { id: n, title: "Essai" },
  };
}

describe("reporter against the real mismatch API", () => {
  let app: TestApp;
  let relay: Relay;
  let reporter: MismatchReporter;

  beforeAll(async () => {
    app = await startTestApp();
    relay = await startRelay(app.baseUrl);
    reporter = new MismatchReporter({
      url: relay.url,
      token: app.token,
      flushIntervalMs: 60_000,
      backoffBaseMs: 10,
      backoffMaxMs: 100,
    });
  }, 300_000);
  afterAll(async () => {
    await reporter?.close(100);
    await relay?.close();
    await app?.close();
  });

  async function stored() {
    // The API answers 202 once a batch is staged; fold what is staged so the records are there to count.
    await drainMismatchInbox();
    const [m] = await app.control.sql<{ rows: number; occurrences: number; keys: number }[]>`
      select count(*)::int as rows, coalesce(sum(occurrences), 0)::int as occurrences,
        count(distinct primary_key)::int as keys
      from mismatches where table_name = 'documents'`;
    const [c] = await app.control.sql<{ compared: number; mismatched: number }[]>`
      select coalesce(sum(compared), 0)::int as compared, coalesce(sum(mismatched), 0)::int as mismatched
      from mismatch_comparisons where table_name = 'documents'`;
    return { ...m, ...c };
  }

  function enqueue(from: number, to: number) {
    for (let n = from; n < to; n++) {
      expect(reporter.enqueue(report(n))).toBe(true);
      reporter.recordComparison("cohort-eu", "documents", true);
      reporter.recordComparison("cohort-eu", "documents", false);
    }
  }

  it("delivers a batch the API accepts in full", async () => {
    enqueue(0, 30);
    expect(await reporter.flush()).toBe(true);
    expect(relay.forwarded.at(-1)?.status).toBe(202);
    expect(await stored()).toEqual({ rows: 30, occurrences: 30, keys: 30, compared: 60, mismatched: 30 });
  });

  it("retries with the same key after a lost response, and the API does not count the batch twice", async () => {
    const before = relay.forwarded.length;
    relay.mode = "lose-response";
    enqueue(30, 50);
    void reporter.flush(50);
    await waitFor(() => reporter.stats().retries >= 1 && relay.forwarded.length > before, 10_000, "a lost answer");
    relay.mode = "pass";
    expect(await reporter.flush(30_000)).toBe(true);

    const attempts = relay.forwarded.slice(before);
    expect(attempts.length).toBeGreaterThanOrEqual(2);
    expect(new Set(attempts.map((a) => a.key)).size).toBe(1);
    expect(attempts.every((a) => a.status === 202)).toBe(true);
    expect(await stored()).toEqual({ rows: 50, occurrences: 50, keys: 50, compared: 100, mismatched: 50 });
  });

  it("survives the control plane going away and coming back: nothing lost, nothing duplicated", async () => {
    await relay.stop();
    enqueue(50, 90);
    void reporter.flush(50);
    await waitFor(() => reporter.stats().retries >= 4, 10_000, "retries during the outage");
    expect(reporter.stats().pending).toBe(40);
    await relay.start();
    expect(await reporter.flush(30_000)).toBe(true);
    expect(await stored()).toEqual({ rows: 90, occurrences: 90, keys: 90, compared: 180, mismatched: 90 });
    expect(reporter.stats()).toMatchObject({ delivered: 90, dropped: 0, rejectedBatches: 0, pending: 0 });
  });
});
