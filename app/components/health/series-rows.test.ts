import { describe, expect, it } from "vitest";
import { breakGaps, pivotSeries } from "./series-rows";

const at = (minute: number, second = 0) => new Date(Date.UTC(2026, 11, 3, 11, minute, second));

describe("chart rows from health series", () => {
  it("pivots readings of one collection into one row per time, subjects as keys", () => {
    const { rows, subjects } = pivotSeries([
      { subject: "postgres", at: at(1), value: 10 },
      { subject: "demo_source", at: at(1), value: 12 },
      { subject: "postgres", at: at(0, 30), value: 9 },
    ]);
    expect(subjects).toEqual(["postgres", "demo_source"]);
    expect(rows).toEqual([
      { at: at(0, 30).getTime(), postgres: 9 },
      { at: at(1).getTime(), postgres: 10, demo_source: 12 },
    ]);
  });

  it("breaks the lines where the readings paused, one step after the last reading", () => {
    // Readings every 30 s from 11:00 to 11:02, none until 11:20 (Cutover was stopped), then every 30 s again.
    const times = [0, 30, 60, 90, 120, 1200, 1230, 1260].map((s) => at(0, s));
    const { rows } = pivotSeries(times.map((t, i) => ({ subject: "postgres", at: t, value: 1000 + i })));
    expect(rows.map((r) => [r.at, r.postgres])).toEqual([
      ...times.slice(0, 5).map((t, i) => [t.getTime(), 1000 + i]),
      [at(0, 150).getTime(), null],
      ...times.slice(5).map((t, i) => [t.getTime(), 1005 + i]),
    ]);
  });

  it("leaves steady and uneven-but-unbroken series alone", () => {
    const steady = [0, 30, 60, 90].map((s) => ({ at: at(0, s).getTime(), v: s }));
    expect(breakGaps(steady, ["v"])).toEqual(steady);
    // A missed cycle (60 s where 30 s is usual) is not a pause.
    const missed = [0, 30, 90, 120, 150].map((s) => ({ at: at(0, s).getTime(), v: s }));
    expect(breakGaps(missed, ["v"])).toEqual(missed);
    expect(breakGaps(steady.slice(0, 2), ["v"])).toEqual(steady.slice(0, 2));
  });
});
