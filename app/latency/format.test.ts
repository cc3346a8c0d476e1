import { describe, expect, it } from "vitest";
import { formatFactor, formatLatency, formatLatencyTick } from "./format";

describe("latency in words", () => {
  it("reads a latency with the precision its size needs", () => {
    expect([0.42, 12.34, 250.4, 1250].map(formatLatency)).toEqual(["0.42 ms", "12.3 ms", "250 ms", "1.25 s"]);
  });

  it("labels an axis's round ticks without trailing decimals", () => {
    expect([0, 0.5, 2.5, 50, 150, 1500, 10_000].map(formatLatencyTick)).toEqual(["0", "0.5 ms", "2.5 ms", "50 ms", "150 ms", "1.5 s", "10 s"]);
  });

  it("says how many times the source's figure the target's is", () => {
    expect([1, 2.44, 12.6].map(formatFactor)).toEqual(["1.0x", "2.4x", "13x"]);
  });
});
