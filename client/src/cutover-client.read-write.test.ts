import { afterAll, afterEach, beforeAll, describe, expect, it } from "vitest";
import type { Mode } from "../../app/rollout/modes";
import type { NormalizationRule } from "../../app/normalization";
import { startFakeControlPlane, waitFor, type FakeControlPlane } from "../test-support/fake-control-plane";
import { testRuleset } from "../test-support/rulesets";
import { createCutoverClient, type CutoverClient, type CutoverClientOptions } from "./cutover-client";

/**
 * write()/read() per mode. The database calls are caller-supplied functions (that is the client's contract), so
 * here they are small functions that record what ran when; the real-database path is in tests/integration/client.
 */
let plane: FakeControlPlane;
const clients: CutoverClient[] = [];

async function client(options: Partial<CutoverClientOptions> = {}): Promise<CutoverClient> {
  const c = createCutoverClient({
    url: plane.url,
    token: plane.token,
    pollIntervalMs: 60_000,
    reporter: { flushIntervalMs: 60_000 },
    ...options,
  });
  clients.push(c);
  await c.ready();
  return c;
}

/** A promise with its resolve exposed, to hold a fake database call open until the test says so. */
function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

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

const user = (mode: Mode) => `user-${mode}`;

describe("write()", () => {
  const expected: [Mode, string[], string][] = [
    ["source_only", ["source"], "source-result"],
    ["dual_write", ["source", "target"], "source-result"],
    ["shadow_read", ["source", "target"], "source-result"],
    ["target_primary", ["target", "source"], "target-result"],
    ["target_only", ["target"], "target-result"],
  ];

  it.each(expected)("in %s writes %j and returns the primary's result", async (mode, order, result) => {
    const c = await client();
    const calls: string[] = [];
    const value = await c.write(user(mode), {
      source: async () => {
        calls.push("source");
        return "source-result";
      },
      target: async () => {
        calls.push("target");
        return "target-result";
      },
    });
    expect(calls).toEqual(order);
    expect(value).toBe(result);
  });

  it("awaits the primary before starting the secondary", async () => {
    const c = await client();
    const gate = deferred();
    const calls: string[] = [];
    const pending = c.write(user("dual_write"), {
      source: async () => {
        calls.push("source:start");
        await gate.promise;
        calls.push("source:end");
      },
      target: async () => {
        calls.push("target:start");
      },
    });
    await waitFor(() => calls.length > 0);
    expect(calls).toEqual(["source:start"]);
    gate.resolve();
    await pending;
    expect(calls).toEqual(["source:start", "source:end", "target:start"]);
  });

  it("turns a target failure in dual_write into a write_error mismatch, never the user's error", async () => {
    const c = await client();
    const value = await c.write(
      user("dual_write"),
      {
        source: async () => "ok",
        target: async () => {
          throw Object.assign(new Error("restart transaction: TransactionRetryWithProtoRefreshError"), {
            code: "40001",
          });
        },
      },
      { table: "documents", primaryKey: "42", value: { id: 42, title: "x" } },
    );
    expect(value).toBe("ok");
    expect(c.counters()).toMatchObject({ writes: 1, secondaryWriteErrors: 1 });
    expect(await c.reporter.flush()).toBe(true);
    expect(plane.processed[0].mismatches).toEqual([
      expect.objectContaining({
        origin: "dual_write_error",
        kind: "write_error",
        table: "documents",
        primaryKey: "42",
        userId: user("dual_write"),
        cohort: null,
        sourceValue: { id: 42, title: "x" },
        targetValue: { error: expect.stringContaining("restart transaction"), code: "40001" },
      }),
    ]);
  });

  it("in target_primary a source failure is the write_error (the order flips, so does the blame)", async () => {
    const c = await client();
    const value = await c.write(user("target_primary"), {
      source: () => {
        throw new Error("pg down");
      },
      target: async () => 7,
    });
    expect(value).toBe(7);
    expect(await c.reporter.flush()).toBe(true);
    expect(plane.processed[0].mismatches[0]).toMatchObject({
      kind: "write_error",
      sourceValue: { error: "pg down" },
      targetValue: null,
    });
  });

  it("fails the request when the primary fails, and then does not write the secondary", async () => {
    const c = await client();
    const calls: string[] = [];
    await expect(
      c.write(user("shadow_read"), {
        source: async () => {
          calls.push("source");
          throw new Error("unique violation");
        },
        target: async () => {
          calls.push("target");
        },
      }),
    ).rejects.toThrow("unique violation");
    expect(calls).toEqual(["source"]);
    expect(c.reporter.stats().pending).toBe(0);
  });

  it("follows cohort attributes: the EU cohort is in shadow_read, others in the default", async () => {
    const c = await client();
    const calls: string[] = [];
    const calls2 = { source: async () => void calls.push("source"), target: async () => void calls.push("target") };
    await c.write("someone", calls2, { attributes: { region: "eu" } });
    await c.write("someone", calls2, { attributes: { region: "us" } });
    expect(calls).toEqual(["source", "target", "source"]);
  });
});

describe("read()", () => {
  it("in shadow_read runs both reads at once and serves the source without waiting for the target", async () => {
    const c = await client();
    let active = 0;
    let maxActive = 0;
    const bothStarted = deferred();
    const targetRelease = deferred<{ id: number }>();
    let started = 0;
    const start = () => {
      active++;
      maxActive = Math.max(maxActive, active);
      if (++started === 2) bothStarted.resolve();
    };
    const value = await c.read(user("shadow_read"), {
      source: async () => {
        start();
        // Would never resolve if the reads ran one after the other: the target starts only once this returns.
        await bothStarted.promise;
        active--;
        return { id: 1 };
      },
      target: async () => {
        start();
        const row = await targetRelease.promise;
        active--;
        return row;
      },
    });
    expect(value).toEqual({ id: 1 });
    expect(maxActive).toBe(2);
    // The target read is still open: the user's answer did not wait for it.
    expect(active).toBe(1);
    targetRelease.resolve({ id: 1 });
    await waitFor(() => c.counters().comparisons === 1, 5_000, "the off-path comparison");
    expect(c.counters()).toMatchObject({ shadowReads: 1, mismatchesFound: 0 });
  });

  it("in target_primary serves the target's answer and compares against the source", async () => {
    const c = await client();
    const value = await c.read(
      user("target_primary"),
      { source: async () => ({ id: 5, title: "pg" }), target: async () => ({ id: 5, title: "crdb" }) },
      { compare: { table: "documents" } },
    );
    expect(value).toEqual({ id: 5, title: "crdb" });
    await waitFor(() => c.counters().comparisons === 1);
    expect(await c.reporter.flush()).toBe(true);
    expect(plane.processed[0].mismatches[0]).toMatchObject({
      origin: "shadow_read",
      kind: "value_mismatch",
      table: "documents",
      primaryKey: { id: "5" },
      sourceValue: { id: 5, title: "pg" },
      targetValue: { id: 5, title: "crdb" },
    });
    expect(plane.processed[0].comparisons).toEqual([expect.objectContaining({ table: "documents", compared: 1, mismatched: 1 })]);
  });

  it.each([
    ["source_only", "source"],
    ["dual_write", "source"],
    ["target_only", "target"],
  ] as const)("in %s reads only the %s", async (mode, side) => {
    const c = await client();
    const calls: string[] = [];
    const value = await c.read(user(mode), {
      source: async () => (calls.push("source"), "s"),
      target: async () => (calls.push("target"), "t"),
    });
    expect(calls).toEqual([side]);
    expect(value).toBe(side === "source" ? "s" : "t");
    expect(c.counters().shadowReads).toBe(0);
  });

  it("serves the primary even when the shadow read fails, and reports the failure to onShadowError", async () => {
    const errors: string[] = [];
    const c = await client({ onShadowError: (e, ctx) => errors.push(`${ctx.side}: ${(e as Error).message}`) });
    const value = await c.read(user("shadow_read"), {
      source: async () => "fine",
      target: async () => {
        throw new Error("crdb timeout");
      },
    });
    expect(value).toBe("fine");
    await waitFor(() => errors.length === 1);
    expect(errors).toEqual(["target: crdb timeout"]);
    expect(c.counters()).toMatchObject({ shadowReadErrors: 1, comparisons: 0 });
  });

  it("propagates the primary's failure to the caller", async () => {
    const c = await client();
    await expect(
      c.read(user("shadow_read"), {
        source: () => Promise.reject(new Error("pg down")),
        target: async () => "t",
      }),
    ).rejects.toThrow("pg down");
  });
});

describe("comparison with the shared normalization", () => {
  const precision: NormalizationRule = {
    id: "rule-ts",
    kind: "timestamp_precision",
    digits: 3,
    table: "documents",
    column: "updated_at",
    author: "test",
    reason: "the ORM truncates to ms",
    expiresAt: null,
  };
  const pgRow = { id: "1", title: "Essay", updated_at: "2026-03-01T10:00:00.123456Z", score: "1.10" };
  const crdbRow = { id: 1, title: "Essay", updated_at: "2026-03-01T10:00:00.123Z", score: "1.10" };

  async function compareOnce(c: CutoverClient, source: unknown, target: unknown, compare: object = {}) {
    const before = c.counters().comparisons;
    await c.read(user("shadow_read"), { source: async () => source, target: async () => target }, { compare: { table: "documents", ...compare } });
    await waitFor(() => c.counters().comparisons === before + 1);
    await c.reporter.flush();
    return plane.processed.flatMap((b) => b.mismatches);
  }

  it("finds a timestamp precision difference without a rule, and none with it", async () => {
    const strict = await client();
    const found = await compareOnce(strict, pgRow, crdbRow);
    expect(found).toEqual([expect.objectContaining({ kind: "value_mismatch", primaryKey: { id: "1" } })]);
    plane.processed.length = 0;

    const lenient = await client({ normalizationRules: [precision] });
    expect(await compareOnce(lenient, pgRow, crdbRow)).toEqual([]);
    // Per-call rules work too.
    expect(await compareOnce(strict, pgRow, crdbRow, { rules: [precision] })).toEqual([]);
  });

  it("matches multi-row results on the primary key: missing, extra and differing rows", async () => {
    const c = await client();
    const source = [
      { id: 1, v: "a" },
      { id: 2, v: "b" },
      { id: 3, v: "c" },
    ];
    const target = [
      { id: 3, v: "c" },
      { id: 1, v: "A" },
      { id: 4, v: "d" },
    ];
    const found = await compareOnce(c, source, target);
    expect(found.map((m) => [m.kind, m.primaryKey]).sort()).toEqual([
      ["extra_in_target", { id: "4" }],
      ["missing_in_target", { id: "2" }],
      ["value_mismatch", { id: "1" }],
    ]);
  });

  it("uses a composite primary key and reports a missing single row", async () => {
    const c = await client();
    const found = await compareOnce(c, { school_id: 9, user_id: 4, n: 1 }, null, {
      primaryKey: ["school_id", "user_id"],
    });
    expect(found).toEqual([
      // A shadow read names the key's columns, so a composite key keeps them (Cutover canonicalises the values).
      expect.objectContaining({ kind: "missing_in_target", primaryKey: { school_id: "9", user_id: "4" }, targetValue: null }),
    ]);
  });
});

describe("sampling", () => {
  function sequence(values: number[]) {
    let i = 0;
    return () => values[i++ % values.length];
  }

  it("compares the configured share per cohort, and only sampled reads touch the shadow side", async () => {
    const c = await client({
      sampling: { rate: 0, cohorts: { "EU schools": 0.25 } },
      random: sequence([0.1, 0.3, 0.5, 0.7]),
    });
    let shadowCalls = 0;
    const read = (userId: string, region: string) =>
      c.read(
        userId,
        { source: async () => ({ id: 1 }), target: async () => (shadowCalls++, { id: 1 }) },
        { attributes: { region }, compare: { table: "documents" } },
      );
    for (let i = 0; i < 100; i++) await read(`eu-${i}`, "eu");
    expect(shadowCalls).toBe(25);
    // The pinned shadow_read user is in no cohort: the default rate (0) applies.
    for (let i = 0; i < 20; i++) await read(user("shadow_read"), "us");
    expect(shadowCalls).toBe(25);
    await waitFor(() => c.counters().comparisons === 25);
    expect(c.counters()).toMatchObject({ reads: 120, shadowReads: 25 });
  });

  it("lets a call site override the rate, including turning comparison off", async () => {
    const c = await client({ sampling: { rate: 0 } });
    let shadowCalls = 0;
    const calls = { source: async () => 1, target: async () => (shadowCalls++, 1) };
    await c.read(user("shadow_read"), calls, { compare: { table: "t", sampleRate: 1 } });
    expect(shadowCalls).toBe(1);
    const all = await client();
    await all.read(user("shadow_read"), calls, { compare: false });
    expect(shadowCalls).toBe(1);
  });
});
