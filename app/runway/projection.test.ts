import { describe, expect, it } from "vitest";
import { crossingMs, deadlineForShare, projectSource, type RunwayBasis } from "./projection";

const DAY = 86_400_000;
const basis: RunwayBasis = {
  nowMs: Date.UTC(2026, 0, 1),
  xidAge: 400e6,
  xidRatePerSecond: 1000, // 86.4 M a day
  rateWindowHours: 168,
  failsafeAge: 1.6e9,
  sizeBytes: 1e12,
  sizeGrowthBytesPerDay: 1e10,
  targetOnlyShareNow: 0,
};
const days = (ms: number | null) => (ms === null ? null : Math.round(((ms - basis.nowMs) / DAY) * 100) / 100);

describe("the runway planner", () => {
  it("at today's ladder the failsafe comes at the measured rate", () => {
    expect(days(crossingMs(basis, [], basis.failsafeAge))).toBe(13.89); // 1.2e9 / 86.4e6
    const points = projectSource(basis, [], 2, DAY);
    expect(points.map((p) => p.xidAge)).toEqual([400e6, 486.4e6, 572.8e6]);
    expect(points.map((p) => p.sizeBytes)).toEqual([1e12, 1.01e12, 1.02e12]);
  });

  it("moves the dates when a cohort's target-only date or share changes in a what-if", () => {
    const half = (atDays: number, writeShare = 0.5) => [{ cohortId: "eu", name: "EU", atMs: basis.nowMs + atDays * DAY, writeShare }];
    // half the writes off the source on day 5: the rest of the way (1.2e9 - 432e6) at half the rate
    expect(days(crossingMs(basis, half(5), basis.failsafeAge))).toBe(22.78);
    // later move, sooner failsafe; bigger share, later failsafe
    expect(crossingMs(basis, half(8), basis.failsafeAge)!).toBeLessThan(crossingMs(basis, half(5), basis.failsafeAge)!);
    expect(crossingMs(basis, half(5, 0.8), basis.failsafeAge)!).toBeGreaterThan(crossingMs(basis, half(5), basis.failsafeAge)!);
    // everyone on target_only before the failsafe: the age stops growing
    expect(crossingMs(basis, half(5, 1), basis.failsafeAge)).toBeNull();
    expect(projectSource(basis, half(1, 1), 3, DAY).map((p) => p.xidAge)).toEqual([400e6, 486.4e6, 486.4e6, 486.4e6]);
  });

  it("gives the date by which a share must be on target_only, and says when it is too late", () => {
    const horizon = basis.nowMs + 20 * DAY;
    const by = deadlineForShare(basis, 0.5, basis.failsafeAge, horizon);
    expect(by.kind === "by" && days(by.atMs)).toBe(7.78); // (1.2e9 - 20 x 43.2e6) / 43.2e6 a day
    const at = by.kind === "by" ? by.atMs : 0;
    // moving half on that date reaches the failsafe exactly at the horizon
    const crossing = crossingMs(basis, [{ cohortId: "x", name: "x", atMs: at, writeShare: 0.5 }], basis.failsafeAge)!;
    expect(Math.abs(crossing - horizon)).toBeLessThan(1000);
    // a margin below the failsafe brings the date forward
    const margin = deadlineForShare(basis, 0.5, basis.failsafeAge - 200e6, horizon);
    expect(margin.kind === "by" && margin.atMs).toBeLessThan(at);
    expect(deadlineForShare(basis, 0.1, basis.failsafeAge, horizon).kind).toBe("too_late");
    // a quiet source stays below the failsafe until the horizon even if nothing moves: no date to meet
    expect(deadlineForShare({ ...basis, xidRatePerSecond: 1 }, 0.5, basis.failsafeAge, horizon)).toEqual({ kind: "not_needed", untilMs: horizon });
    expect(deadlineForShare({ ...basis, xidRatePerSecond: 0 }, 0.5, basis.failsafeAge, horizon)).toEqual({ kind: "not_needed", untilMs: horizon });
    expect(deadlineForShare({ ...basis, targetOnlyShareNow: 0.6 }, 0.5, basis.failsafeAge, horizon)).toEqual({ kind: "already", share: 0.6 });
  });
});
