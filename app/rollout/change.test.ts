import { describe, expect, it } from "vitest";
import { changeRequirementProblems, classifyCohortChange, classifyMove, compareConstraints, skippedRungs } from "./change";

const shape = (mode: Parameters<typeof classifyMove>[0], percentBasisPoints: number, constraints = {}) => ({ mode, percentBasisPoints, constraints });

describe("change classification", () => {
  it("calls one rung up an advance, more a skip, any way down a rollback", () => {
    expect(classifyMove("source_only", "dual_write")).toBe("advance");
    expect(classifyMove("source_only", "target_primary")).toBe("skip");
    expect(classifyMove("target_only", "shadow_read")).toBe("rollback");
    expect(classifyMove("shadow_read", "shadow_read")).toBe("same");
    expect(skippedRungs("source_only", "target_primary")).toEqual(["dual_write", "shadow_read"]);
    expect(skippedRungs("dual_write", "shadow_read")).toEqual([]);
  });

  it("treats raising a percentage of a one-rung cohort as an advance (the ratchet keeps everyone in)", () => {
    const c = classifyCohortChange(shape("dual_write", 1000), shape("dual_write", 2500), "source_only");
    expect(c.kind).toBe("advance");
    expect(c.movements).toEqual([{ group: "entering", from: "source_only", to: "dual_write", kind: "advance" }]);
    expect(c.requiresConfirmation).toBe(false);
    expect(c.requiresAdmin).toBe(false);
  });

  it("treats lowering a percentage as a rollback that needs confirmation", () => {
    const c = classifyCohortChange(shape("dual_write", 2500), shape("dual_write", 1000), "source_only");
    expect(c.kind).toBe("rollback");
    expect(c.requiresConfirmation).toBe(true);
  });

  it("treats moving a cohort down the ladder as a rollback, even while raising its percentage", () => {
    const c = classifyCohortChange(shape("shadow_read", 1000), shape("dual_write", 5000), "source_only");
    expect(c.kind).toBe("rollback");
    expect(c.movements.map((m) => m.kind)).toEqual(["rollback", "advance"]);
  });

  it("detects a skipped rung for a cohort's users and for users entering it", () => {
    const direct = classifyCohortChange(shape("dual_write", 1000), shape("target_primary", 1000), "source_only");
    expect(direct).toMatchObject({ kind: "skip", requiresAdmin: true, skipped: ["shadow_read"] });
    const entering = classifyCohortChange(null, shape("target_primary", 100), "source_only");
    expect(entering).toMatchObject({ kind: "skip", skipped: ["dual_write", "shadow_read"] });
  });

  it("classifies deleting a cohort as its users falling back to the entry mode", () => {
    expect(classifyCohortChange(shape("dual_write", 100), null, "source_only").kind).toBe("rollback");
    expect(classifyCohortChange(shape("dual_write", 0), null, "source_only").kind).toBe("unchanged");
  });

  it("sees narrowed constraints as users leaving and widened ones as users entering", () => {
    expect(compareConstraints({ regions: ["eu", "us"] }, { regions: ["eu"] })).toEqual({ wider: false, narrower: true });
    expect(compareConstraints({ regions: ["eu"] }, {})).toEqual({ wider: true, narrower: false });
    expect(compareConstraints({}, { plans: ["school"] })).toEqual({ wider: false, narrower: true });
    expect(compareConstraints({ plans: [] }, {})).toEqual({ wider: false, narrower: false });
    const c = classifyCohortChange(shape("dual_write", 500, { regions: ["eu", "us"] }), shape("dual_write", 500, { regions: ["eu"] }), "source_only");
    expect(c.kind).toBe("rollback");
  });

  it("demands a reason always, confirmation for rollbacks and the admin role for skips", () => {
    const rollback = classifyCohortChange(shape("shadow_read", 100), shape("dual_write", 100), "source_only");
    expect(changeRequirementProblems(rollback, { reason: " ", confirmed: false, isAdmin: false })).toHaveLength(2);
    expect(changeRequirementProblems(rollback, { reason: "bad mismatches", confirmed: true, isAdmin: false })).toEqual([]);
    const skip = classifyCohortChange(shape("dual_write", 100), shape("target_only", 100), "source_only");
    expect(changeRequirementProblems(skip, { reason: "r", confirmed: false, isAdmin: false })).toEqual([
      "skipping shadow_read, target_primary needs the admin role",
    ]);
    expect(changeRequirementProblems(skip, { reason: "r", confirmed: false, isAdmin: true })).toEqual([]);
  });
});
