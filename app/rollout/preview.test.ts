import { describe, expect, it } from "vitest";
import { bucketOf } from "./bucket";
import { modeDistribution, previewChange } from "./preview";
import type { Ruleset } from "./types";

const base: Ruleset = {
  version: 1,
  defaultMode: "source_only",
  emergency: null,
  pins: [],
  cohorts: [{ id: "c", name: "Pilot", priority: 1, mode: "dual_write", percentBasisPoints: 1000, salt: "pilot", constraints: {} }],
};
const withCohort = (changes: Partial<Ruleset["cohorts"][number]>): Ruleset => ({ ...base, version: 2, cohorts: [{ ...base.cohorts[0], ...changes }] });
const users = Array.from({ length: 20_000 }, (_, i) => ({ id: `user-${i}`, writeWeight: i % 2 === 0 ? 3 : 1 }));

describe("preview", () => {
  it("counts exactly the users whose bucket lies between the old and the new percentage", () => {
    const p = previewChange(base, withCohort({ percentBasisPoints: 2500 }), users, { population: 200_000 });
    const expected = users.filter((u) => {
      const b = bucketOf(u.id, "pilot");
      return b >= 1000 && b < 2500;
    }).length;
    expect(p.transitions).toEqual([
      expect.objectContaining({ from: "source_only", to: "dual_write", kind: "advance", sampledUsers: expected, users: expected * 10 }),
    ]);
    expect(p.movedShare).toBeCloseTo(expected / users.length, 10);
    expect(p.movedShare).toBeGreaterThan(0.13);
    expect(p.movedShare).toBeLessThan(0.17);
    expect(p.classification.kind).toBe("advance");
    expect(p.rollbackUsers).toBe(0);
  });

  it("weights write traffic by each user's writes", () => {
    const p = previewChange(base, withCohort({ percentBasisPoints: 10_000 }), users);
    const moved = users.filter((u) => bucketOf(u.id, "pilot") >= 1000);
    const writes = moved.reduce((s, u) => s + u.writeWeight, 0) / users.reduce((s, u) => s + u.writeWeight, 0);
    expect(p.movedWriteShare).toBeCloseTo(writes, 10);
  });

  it("takes write shares from a separate sample of writers when one is given", () => {
    const moves = (id: string) => bucketOf(id, "pilot") >= 1000;
    const find = (wanted: boolean) => users.find((u) => moves(u.id) === wanted)!.id;
    // The heavy writer is already in the cohort: only the light one's 10% of writes moves.
    const writers = [
      { id: find(false), writeWeight: 90 },
      { id: find(true), writeWeight: 10 },
    ];
    const p = previewChange(base, withCohort({ percentBasisPoints: 10_000 }), users, { writers });
    const expected = 0.1;
    expect(p.movedWriteShare).toBeCloseTo(expected, 10);
    expect(p.movedShare).toBeCloseTo(users.filter((u) => moves(u.id)).length / users.length, 10);
    // A move seen only among the writers still shows, with its write share and no sampled users.
    const onlyWriters = previewChange(base, withCohort({ percentBasisPoints: 10_000 }), [], { writers });
    expect(onlyWriters.transitions.reduce((s, t) => s + t.writeShare, 0)).toBeCloseTo(expected, 10);
    expect(onlyWriters.transitions.every((t) => t.sampledUsers === 0)).toBe(true);
  });

  it("reports rollbacks and skips with their user counts", () => {
    const down = previewChange(base, withCohort({ percentBasisPoints: 500 }), users);
    expect(down.classification.kind).toBe("rollback");
    expect(down.rollbackUsers).toBe(
      users.filter((u) => {
        const b = bucketOf(u.id, "pilot");
        return b >= 500 && b < 1000;
      }).length,
    );
    const skip = previewChange(base, withCohort({ mode: "target_primary" }), users);
    expect(skip.classification).toMatchObject({ kind: "skip", skipped: ["shadow_read"] });
    expect(skip.skipUsers).toBe(down.before.find((d) => d.mode === "dual_write")!.users);
  });

  it("ignores the emergency switch so the cohort change itself is previewed", () => {
    const emergency = { ...base, emergency: { mode: "source_only" as const, reason: "r", since: "2026-11-26T00:00:00Z" } };
    expect(previewChange(emergency, { ...withCohort({ percentBasisPoints: 2000 }), emergency: emergency.emergency }, users).movedUsers).toBeGreaterThan(0);
  });

  it("gives the share of users on each rung", () => {
    const d = modeDistribution(base, users);
    expect(d.map((x) => x.mode)).toEqual(["source_only", "dual_write", "shadow_read", "target_primary", "target_only"]);
    expect(d[0].users + d[1].users).toBe(users.length);
    expect(d[1].share).toBeGreaterThan(0.08);
    expect(d[1].share).toBeLessThan(0.12);
  });
});
