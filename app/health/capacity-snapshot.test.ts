import { describe, expect, it } from "vitest";
import { counterRate, parseHlcTimestamp } from "./capacity-snapshot";

describe("capacity helpers", () => {
  it("parses CockroachDB HLC liveness expirations", () => {
    expect(parseHlcTimestamp("1795660460.234368000,0")).toBe(1_795_660_460_234);
    expect(parseHlcTimestamp("1795660460,3")).toBe(1_795_660_460_000);
    expect(parseHlcTimestamp("not a time")).toBeNull();
  });

  it("turns cumulative counters into per-second rates, null across a reset", () => {
    expect(counterRate({ at: 0, value: 100 }, { at: 30_000, value: 3_100 })).toBe(100);
    expect(counterRate({ at: 0, value: 100 }, { at: 30_000, value: 5 })).toBeNull();
    expect(counterRate({ at: 0, value: 1 }, { at: 0, value: 5 })).toBeNull();
  });
});
