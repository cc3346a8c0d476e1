import { describe, expect, it } from "vitest";
import { bucketOf } from "./bucket";
import { compileRuleset, evaluate } from "./evaluate";
import { explain } from "./explain";
import { MODES, type Mode } from "./modes";
import type { CohortRule, Ruleset, UserAttributes } from "./types";

function cohort(overrides: Partial<CohortRule> & { id: string }): CohortRule {
  return { name: overrides.id, priority: 0, mode: "dual_write", percentBasisPoints: 10_000, salt: overrides.id, constraints: {}, ...overrides };
}

function ruleset(overrides: Partial<Ruleset> = {}): Ruleset {
  return { version: 7, defaultMode: "source_only", emergency: null, cohorts: [], pins: [], ...overrides };
}

/** The evaluation order written as plainly as possible, to check the indexed implementation against. */
function reference(r: Ruleset, userId: string, attributes: UserAttributes = {}, nowMs: number): { mode: Mode; cohort: string | null; bucket: number } {
  const fallback = (mode: Mode) => ({ mode, cohort: null, bucket: bucketOf(userId) });
  if (r.emergency) return fallback(r.emergency.mode);
  const pin = r.pins.find((p) => p.userId === userId);
  if (pin && (pin.expiresAt === null || nowMs < Date.parse(pin.expiresAt))) return fallback(pin.mode);
  const ordered = [...r.cohorts].sort((a, b) => a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const ok = (list: string[] | undefined, value: string | undefined) => !list?.length || (value !== undefined && list.includes(value));
  for (const c of ordered) {
    const k = c.constraints;
    if (!ok(k.userIds, userId) || !ok(k.regions, attributes.region) || !ok(k.countries, attributes.country)) continue;
    if (!ok(k.schoolIds, attributes.schoolId) || !ok(k.plans, attributes.plan)) continue;
    const bucket = bucketOf(userId, c.salt);
    if (bucket < c.percentBasisPoints) return { mode: c.mode, cohort: c.id, bucket };
  }
  return fallback(r.defaultMode);
}

/** A user id whose bucket under `salt` is exactly `bucket`. */
function userInBucket(salt: string, bucket: number): string {
  for (let i = 0; ; i++) if (bucketOf(`u${i}`, salt) === bucket) return `u${i}`;
}

const NOW = Date.parse("2026-11-26T00:00:00Z");

describe("evaluate", () => {
  it("falls back to the default mode, reporting the default-salt bucket", () => {
    const a = evaluate(compileRuleset(ruleset()), "user-1");
    expect(a).toMatchObject({ userId: "user-1", mode: "source_only", cohort: null, reason: "default", rulesetVersion: 7 });
    expect(a.bucket).toBe(bucketOf("user-1"));
  });

  it("covers buckets below the percentage under the cohort's own salt", () => {
    const r = compileRuleset(ruleset({ cohorts: [cohort({ id: "pilot", salt: "s1", percentBasisPoints: 2500 })] }));
    const inside = userInBucket("s1", 2499);
    const outside = userInBucket("s1", 2500);
    expect(evaluate(r, inside)).toMatchObject({ mode: "dual_write", reason: "cohort", cohort: { id: "pilot", name: "pilot" }, bucket: 2499 });
    expect(evaluate(r, inside).explanation).toBe("cohort 'pilot' (25.00%) covers bucket 2499");
    // the explanation is spelled out on read; JSON (API answers, loader data) carries it like every other field
    expect(JSON.parse(JSON.stringify(evaluate(r, inside)))).toEqual({
      userId: inside,
      mode: "dual_write",
      cohort: { id: "pilot", name: "pilot" },
      bucket: 2499,
      reason: "cohort",
      explanation: "cohort 'pilot' (25.00%) covers bucket 2499",
      rulesetVersion: 7,
    });
    expect(evaluate(r, outside)).toMatchObject({ mode: "source_only", reason: "default" });
  });

  it("lets the first cohort by priority decide, whatever the array order", () => {
    const r = compileRuleset(
      ruleset({
        cohorts: [cohort({ id: "late", priority: 20, mode: "target_only" }), cohort({ id: "early", priority: 10, mode: "shadow_read" })],
      }),
    );
    expect(evaluate(r, "anyone").cohort?.id).toBe("early");
  });

  it("matches constraints: all given ones (AND), any listed value (OR), a missing attribute never matches", () => {
    const r = compileRuleset(
      ruleset({
        cohorts: [cohort({ id: "eu-school", constraints: { regions: ["eu"], plans: ["school", "district"] } })],
      }),
    );
    expect(evaluate(r, "a", { region: "eu", plan: "district" }).reason).toBe("cohort");
    expect(evaluate(r, "a", { region: "eu", plan: "free" }).reason).toBe("default");
    expect(evaluate(r, "a", { region: "us", plan: "school" }).reason).toBe("default");
    expect(evaluate(r, "a", { plan: "school" }).reason).toBe("default");
    expect(evaluate(r, "a").reason).toBe("default");
  });

  it("treats an empty constraint list as no constraint and matches explicit user-id lists", () => {
    const r = compileRuleset(
      ruleset({
        cohorts: [
          cohort({ id: "listed", priority: 1, mode: "target_primary", constraints: { userIds: ["vip-1", "vip-2"], regions: [] } }),
          cohort({ id: "all", priority: 2, mode: "dual_write", constraints: { countries: [] } }),
        ],
      }),
    );
    expect(evaluate(r, "vip-2").mode).toBe("target_primary");
    expect(evaluate(r, "someone").mode).toBe("dual_write");
  });

  it("applies an unexpired pin over cohorts and ignores an expired one", () => {
    const r = compileRuleset(
      ruleset({
        cohorts: [cohort({ id: "all", mode: "shadow_read" })],
        pins: [
          { userId: "pinned", mode: "source_only", reason: "ticket 123", expiresAt: "2026-11-27T00:00:00Z" },
          { userId: "forever", mode: "dual_write", reason: "teacher demo", expiresAt: null },
        ],
      }),
    );
    expect(evaluate(r, "pinned", {}, NOW)).toMatchObject({ mode: "source_only", reason: "pin", cohort: null });
    expect(evaluate(r, "pinned", {}, NOW).explanation).toContain("ticket 123");
    expect(evaluate(r, "pinned", {}, Date.parse("2026-11-27T00:00:00Z"))).toMatchObject({ mode: "shadow_read", reason: "cohort" });
    expect(evaluate(r, "forever", {}, NOW + 1e12).mode).toBe("dual_write");
  });

  it("lets the emergency switch override pins and cohorts", () => {
    const r = compileRuleset(
      ruleset({
        emergency: { mode: "source_only", reason: "target down", since: "2026-11-26T01:00:00Z" },
        cohorts: [cohort({ id: "all", mode: "target_only" })],
        pins: [{ userId: "pinned", mode: "target_only", reason: "x", expiresAt: null }],
      }),
    );
    expect(evaluate(r, "pinned", {}, NOW)).toMatchObject({ mode: "source_only", reason: "emergency" });
    expect(evaluate(r, "other", {}, NOW).explanation).toContain("target down");
  });

  it("is a ratchet: raising a percentage keeps every user already in", () => {
    const ids = Array.from({ length: 5000 }, (_, i) => `user-${i}`);
    let previous = new Set<string>();
    for (const pct of [0, 1, 100, 500, 1000, 2500, 5000, 9999, 10_000]) {
      const r = compileRuleset(ruleset({ cohorts: [cohort({ id: "c", percentBasisPoints: pct })] }));
      const inside = new Set(ids.filter((id) => evaluate(r, id).reason === "cohort"));
      for (const id of previous) expect(inside.has(id)).toBe(true);
      previous = inside;
    }
    expect(previous.size).toBe(ids.length);
  });

  it("agrees with the plain reference on random rulesets (more than 32 cohorts included)", () => {
    let seed = 1;
    const random = () => (seed = (Math.imul(seed, 1103515245) + 12345) >>> 0) / 2 ** 32;
    const pick = <T>(xs: readonly T[]) => xs[Math.floor(random() * xs.length)];
    const regions = ["eu", "us", "apac"];
    const plans = ["free", "school"];
    for (let round = 0; round < 20; round++) {
      const n = round % 2 === 0 ? 5 : 40;
      const cohorts = Array.from({ length: n }, (_, i) => {
        const constraints: CohortRule["constraints"] = {};
        if (random() < 0.4) constraints.regions = [pick(regions)];
        if (random() < 0.3) constraints.plans = [pick(plans)];
        // Up to 12 of 40 school ids: small rulesets list few values (looked up by a scan), large ones more than
        // eight (looked up through the filter and the Map), so both lookups are checked.
        if (random() < 0.2) constraints.schoolIds = Array.from({ length: 1 + Math.floor(random() * 12) }, () => `s${Math.floor(random() * 40)}`);
        if (random() < 0.1) constraints.userIds = Array.from({ length: 50 }, () => `user-${Math.floor(random() * 300)}`);
        return cohort({
          id: `c${i}`,
          priority: Math.floor(random() * 10),
          mode: pick(MODES),
          percentBasisPoints: random() < 0.1 ? 0 : Math.floor(random() * 10_001),
          salt: random() < 0.3 ? "shared" : `salt-${i}`,
          constraints,
        });
      });
      const r = ruleset({
        cohorts,
        defaultMode: pick(MODES),
        pins: [{ userId: "user-3", mode: "target_only", reason: "r", expiresAt: random() < 0.5 ? null : "2026-11-25T00:00:00Z" }],
      });
      const compiled = compileRuleset(r);
      for (let u = 0; u < 300; u++) {
        const attributes: UserAttributes = { region: pick([...regions, undefined] as const), plan: pick(plans), schoolId: `s${u % 45}` };
        const { mode, cohort, bucket } = evaluate(compiled, `user-${u}`, attributes, NOW);
        expect({ mode, cohort: cohort?.id ?? null, bucket }).toEqual(reference(r, `user-${u}`, attributes, NOW));
      }
    }
  });

  it("tells apart listed values that share their length and last characters (the filter's hash)", () => {
    const listed = Array.from({ length: 20 }, (_, i) => `north-${i + 10}`);
    const r = compileRuleset(ruleset({ cohorts: [cohort({ id: "north", constraints: { schoolIds: listed } })] }));
    for (const schoolId of listed) expect(evaluate(r, "u", { schoolId }, NOW).reason).toBe("cohort");
    for (const schoolId of listed.map((s) => s.replace("north", "south"))) expect(evaluate(r, "u", { schoolId }, NOW).reason).toBe("default");
  });

  it("matches every listed user of a large user-id list and no other, and every one of many pins", () => {
    // 20,000 ids and 5,000 pins: their filters are larger than the smallest size, and about one unlisted user in
    // twenty passes a filter, so the exact set must still decide
    const listed = Array.from({ length: 20_000 }, (_, i) => `listed-${i * 3}`);
    const pins = Array.from({ length: 5_000 }, (_, i) => ({ userId: `pinned-${i}`, mode: "target_only" as const, reason: "r", expiresAt: null }));
    const r = compileRuleset(ruleset({ cohorts: [cohort({ id: "list", mode: "shadow_read", constraints: { userIds: listed } })], pins }));
    for (const userId of listed) expect(evaluate(r, userId, {}, NOW).reason).toBe("cohort");
    for (let i = 0; i < 20_000; i++) expect(evaluate(r, `listed-${i * 3 + 1}`, {}, NOW).reason).toBe("default");
    for (const pin of pins) expect(evaluate(r, pin.userId, {}, NOW).mode).toBe("target_only");
    for (let i = 0; i < 5_000; i++) expect(evaluate(r, `unpinned-${i}`, {}, NOW).reason).toBe("default");
  });

  it("explains every cohort's verdict and marks the one that decided", () => {
    const r = compileRuleset(
      ruleset({
        cohorts: [
          cohort({ id: "eu", priority: 1, constraints: { regions: ["eu"] } }),
          cohort({ id: "all", priority: 2, mode: "shadow_read" }),
          cohort({ id: "later", priority: 3, mode: "target_only" }),
        ],
      }),
    );
    const trace = explain(r, "user-1", { region: "us" }, NOW);
    expect(trace.assignment.cohort?.id).toBe("all");
    expect(trace.cohorts.map((c) => [c.cohort.id, c.constraintsMatch, c.covers, c.decided])).toEqual([
      ["eu", false, false, false],
      ["all", true, true, true],
      ["later", true, true, false],
    ]);
    expect(trace.cohorts[1].bucket).toBe(bucketOf("user-1", "all"));
  });
});
