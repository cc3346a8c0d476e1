import { describe, expect, it } from "vitest";
import { bucketRuns } from "./plan";
import type { Bucket } from "./types";

const buckets = (n: number): Bucket[] =>
  Array.from({ length: n }, (_, i) => ({ index: i, lower: i ? [String(i * 10)] : null, upper: i < n - 1 ? [String((i + 1) * 10)] : null }));

describe("bucketRuns", () => {
  it("cuts buckets into runs of the given size, every bucket once, in order", () => {
    const runs = bucketRuns(buckets(60), 25);
    expect(runs.map((r) => r.length)).toEqual([25, 25, 10]);
    expect(runs.flat().map((b) => b.index)).toEqual([...Array(60).keys()]);
  });

  it("ramps up from one bucket, so a job records its first mismatches early", () => {
    const runs = bucketRuns(buckets(100), 25, true);
    expect(runs.map((r) => r.length)).toEqual([1, 2, 4, 8, 16, 25, 25, 19]);
    expect(runs.flat().map((b) => b.index)).toEqual([...Array(100).keys()]);
  });
});
