import { describe, expect, it } from "vitest";
import { daysUntilThreshold, linearFit, valueAt, withinWindow } from "./runway";

const DAY = 86_400_000;
const T0 = Date.UTC(2026, 10, 1);

describe("capacity runway", () => {
  it("fits a line through real epoch times without losing precision", () => {
    const points = [0, 1, 2, 3].map((d) => ({ at: T0 + d * DAY, value: 100 + 10 * d }));
    const fit = linearFit(points)!;
    expect(fit.slope * DAY).toBeCloseTo(10, 9);
    expect(valueAt(fit, T0 + 10 * DAY)).toBeCloseTo(200, 6);
    expect(linearFit(points.slice(0, 1))).toBeNull();
    expect(linearFit([points[0], { ...points[0] }])).toBeNull();
  });

  it("gives days until free space falls under a threshold", () => {
    // 500 GiB store losing 5 GiB a day from 300 GiB free: 30% (150 GiB) in 30 days, 10% (50 GiB) in 50.
    const GiB = 2 ** 30;
    const points = Array.from({ length: 8 }, (_, d) => ({ at: T0 + d * DAY, value: (335 - 5 * d) * GiB }));
    expect(daysUntilThreshold(points, 150 * GiB, "falling")).toBeCloseTo(30, 6);
    expect(daysUntilThreshold(points, 50 * GiB, "falling")).toBeCloseTo(50, 6);
  });

  it("says 0 once past the threshold and null when the trend moves away or data is missing", () => {
    const rising = [0, 1, 2].map((d) => ({ at: T0 + d * DAY, value: 10 + d }));
    expect(daysUntilThreshold(rising, 11, "rising")).toBe(0);
    expect(daysUntilThreshold(rising, 5, "falling")).toBeNull();
    expect(daysUntilThreshold([], 5, "falling")).toBeNull();
    expect(daysUntilThreshold(rising, 22, "rising")).toBeCloseTo(10, 6);
  });

  it("fits only the chosen window, so an old trend does not hide a new one", () => {
    const old = Array.from({ length: 20 }, (_, d) => ({ at: T0 + d * DAY, value: 100 }));
    const recent = Array.from({ length: 5 }, (_, d) => ({ at: T0 + (20 + d) * DAY, value: 100 + 10 * (d + 1) }));
    const all = [...old, ...recent];
    const lastWeek = withinWindow(all, 4 * DAY);
    expect(lastWeek).toHaveLength(5);
    expect(daysUntilThreshold(lastWeek, 250, "rising")).toBeCloseTo(10, 6);
    expect(daysUntilThreshold(all, 250, "rising")!).toBeGreaterThan(20);
  });
});
