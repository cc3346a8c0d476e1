import { describe, expect, it } from "vitest";
import { describeXidForecast, forecastXidAge, formatRunway, hoursUntil, smoothedXidRate } from "./xid-forecast";
import { DEFAULT_FREEZE_SETTINGS, XID_STOP_AGE, XID_WARNING_AGE, effectiveFailsafeAge } from "./xid-limits";

const MINUTE = 60_000;

/** A controlled series: one sample every 30 s at `rate` XIDs/s from `start`. */
function series(rate: number, count: number, start = 0, from = 1_000): { at: number; nextXid: number }[] {
  return Array.from({ length: count }, (_, i) => ({ at: start + i * 30_000, nextXid: from + rate * 30 * i }));
}

describe("smoothed XID rate", () => {
  it("is the exact rate of a steady series, whatever the sample order", () => {
    expect(smoothedXidRate(series(11_574, 20))).toBeCloseTo(11_574, 6);
    expect(smoothedXidRate(series(500, 10).reverse())).toBeCloseTo(500, 6);
  });

  it("needs two samples", () => {
    expect(smoothedXidRate([])).toBeNull();
    expect(smoothedXidRate(series(10, 1))).toBeNull();
  });

  it("damps a short burst and follows a lasting change", () => {
    const steady = series(1_000, 60);
    const last = steady[steady.length - 1];
    // One 30 s sample at 100x the rate moves the smoothed rate by only a few percent of the burst.
    const burst = [...steady, { at: last.at + 30_000, nextXid: last.nextXid + 100_000 * 30 }];
    const afterBurst = smoothedXidRate(burst)!;
    expect(afterBurst).toBeGreaterThan(1_000);
    expect(afterBurst).toBeLessThan(1_000 + 0.05 * 99_000);
    // An hour at 5,000/s after that: the average is within 5% of the new rate.
    const tail = burst[burst.length - 1];
    const lasting = [...burst, ...series(5_000, 121, tail.at, tail.nextXid).slice(1)];
    expect(smoothedXidRate(lasting)).toBeGreaterThan(4_750);
    expect(smoothedXidRate(lasting)).toBeLessThan(5_250);
  });

  it("weights by time, so a missed cycle does not change a steady rate", () => {
    const gappy = series(2_000, 30).filter((_, i) => i % 7 !== 3);
    expect(smoothedXidRate(gappy)).toBeCloseTo(2_000, 6);
  });

  it("restarts after the counter goes backwards (failover) instead of averaging a negative rate", () => {
    const before = series(9_000, 10);
    const after = series(300, 10, 10 * 30_000, 50);
    expect(smoothedXidRate([...before, ...after])).toBeCloseTo(300, 6);
  });
});

describe("XID forecasts", () => {
  it("counts hours to each limit from the age and the rate", () => {
    expect(hoursUntil(100, 3_700, 1)).toBe(1);
    expect(hoursUntil(5_000, 3_700, 1)).toBe(0);
    expect(hoursUntil(100, 3_700, 0)).toBeNull();
    expect(hoursUntil(100, null, 10)).toBeNull();
  });

  it("gives the four horizons at a billion XIDs a day (the case study's rate)", () => {
    const rate = 1_000_000_000 / 86_400;
    const forecast = forecastXidAge(1_000_000_000, rate, DEFAULT_FREEZE_SETTINGS);
    expect(forecast.hoursToAutovacuum).toBe(0);
    expect(forecast.hoursToFailsafe).toBeCloseTo(0.6 * 24, 6);
    expect(forecast.hoursToWarning).toBeCloseTo(((XID_WARNING_AGE - 1e9) / 1e9) * 24, 6);
    expect(forecast.hoursToStop).toBeCloseTo(((XID_STOP_AGE - 1e9) / 1e9) * 24, 6);
    expect(XID_STOP_AGE).toBe(2_144_483_647);
    expect(XID_WARNING_AGE).toBe(2_107_483_647);
  });

  it("uses PostgreSQL's effective failsafe (at least 105% of autovacuum_freeze_max_age) and none on 13", () => {
    expect(effectiveFailsafeAge({ ...DEFAULT_FREEZE_SETTINGS, autovacuumFreezeMaxAge: 2_000_000_000 })).toBe(2_100_000_000);
    const pg13 = { ...DEFAULT_FREEZE_SETTINGS, vacuumFailsafeAge: null };
    expect(forecastXidAge(10, 100, pg13).hoursToFailsafe).toBeNull();
    expect(forecastXidAge(10, 100, pg13).hoursToStop).not.toBeNull();
  });

  it("says it in plain words", () => {
    const rate = 10_000;
    const forecast = forecastXidAge(1_600_000_000 - 31 * 3600 * rate, rate, DEFAULT_FREEZE_SETTINGS);
    expect(describeXidForecast("annotations", forecast)).toBe("at today's rate, annotations reaches the failsafe in 31 h");
    expect(describeXidForecast("app", forecastXidAge(2_110_000_000, rate, DEFAULT_FREEZE_SETTINGS))).toMatch(/warning zone/);
    expect(describeXidForecast("app", forecastXidAge(5, 0, DEFAULT_FREEZE_SETTINGS))).toBe("app is not ageing at the current rate");
    // before two readings there is no rate: unknown, never "not ageing"
    expect(describeXidForecast("app", forecastXidAge(5, null, DEFAULT_FREEZE_SETTINGS), false)).toBe(
      "app's runway is unknown until the XID rate is known (it needs two readings)",
    );
    expect(formatRunway(null, false)).toBe("unknown");
    expect(formatRunway(null)).toBe("not at the current rate");
    expect(formatRunway(0.25)).toBe("15 min");
    expect(formatRunway(72)).toBe("3.0 days");
    expect(formatRunway(24 * 40)).toBe("40 days");
    expect(formatRunway(24 * 1599)).toBe("1,599 days");
    expect(formatRunway((30 * MINUTE) / 3_600_000)).toBe("30 min");
  });
});
