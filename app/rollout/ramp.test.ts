import { describe, expect, it } from "vitest";
import { formatRampSteps, nextRampStep, parseRampSteps, rampClockAfterEdit, rampPlanProblems, rampStatus } from "./ramp";

const HOUR = 3_600_000;

describe("ramp plans", () => {
  it("parses and formats steps", () => {
    expect(parseRampSteps("1% -> 5% -> 25% -> 100%")).toEqual([100, 500, 2500, 10_000]);
    expect(parseRampSteps("0.5, 2.25 10")).toEqual([50, 225, 1000]);
    expect(parseRampSteps("1% -> lots")).toBeNull();
    expect(parseRampSteps("")).toBeNull();
    expect(formatRampSteps([100, 2500])).toBe("1.00% -> 25.00%");
  });

  it("rejects empty, unordered or out-of-range plans", () => {
    expect(rampPlanProblems({ steps: [100, 500], everyHours: 6 })).toEqual([]);
    expect(rampPlanProblems({ steps: [], everyHours: 6 })).toHaveLength(1);
    expect(rampPlanProblems({ steps: [500, 100], everyHours: 6 })).toEqual(["step 2 must be higher than step 1"]);
    expect(rampPlanProblems({ steps: [0], everyHours: 0 })).toHaveLength(2);
  });

  it("finds the next step above the current percentage and when it is due", () => {
    const plan = { steps: [100, 500, 2500, 10_000], everyHours: 6 };
    const changed = Date.parse("2026-11-26T00:00:00Z");
    expect(rampStatus(plan, 0, changed, changed + HOUR)).toEqual({ state: "waiting", nextBasisPoints: 100, dueAtMs: changed + 6 * HOUR });
    expect(rampStatus(plan, 100, changed, changed + 6 * HOUR)).toEqual({ state: "due", nextBasisPoints: 500, dueAtMs: changed + 6 * HOUR });
    // A manual raise to 10% lands between steps: the ramp continues from the next higher one.
    expect(rampStatus(plan, 1000, changed, changed)).toMatchObject({ nextBasisPoints: 2500 });
    expect(rampStatus(plan, 10_000, changed, changed + 100 * HOUR)).toEqual({ state: "complete" });
  });

  it("keeps the ramp clock through an edit unless a restart is asked for or the ramp is new", () => {
    const clock = Date.parse("2026-11-26T00:00:00Z");
    const now = clock + 5 * HOUR;
    const ramped = { rampSteps: [100, 500], rampEveryHours: 6, rampClockAtMs: clock };
    expect(rampClockAfterEdit(ramped, { rampSteps: [100, 500], rampEveryHours: 6 }, false, now)).toBe(clock);
    expect(rampClockAfterEdit(ramped, { rampSteps: [100, 500, 2500], rampEveryHours: 12 }, false, now)).toBe(clock);
    expect(rampClockAfterEdit(ramped, { rampSteps: [100, 500], rampEveryHours: 6 }, true, now)).toBe(now);
    expect(rampClockAfterEdit({ rampSteps: null, rampEveryHours: null, rampClockAtMs: clock }, { rampSteps: [100], rampEveryHours: 6 }, false, now)).toBe(now);
    // The preview's next step follows the kept clock: due an hour after the edit, not six.
    expect(nextRampStep({ rampSteps: [100, 500], rampEveryHours: 6, percentBasisPoints: 100 }, clock, now)).toEqual({
      state: "waiting",
      nextBasisPoints: 500,
      dueAtMs: clock + 6 * HOUR,
    });
    expect(nextRampStep({ rampSteps: null, rampEveryHours: null, percentBasisPoints: 100 }, clock, now)).toBeNull();
  });
});
