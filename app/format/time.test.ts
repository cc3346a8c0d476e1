import { describe, expect, it } from "vitest";
import { absoluteTime, humanDuration, relativeTime } from "./time";

describe("human times", () => {
  const now = Date.parse("2026-12-02T12:00:00Z");
  it("says how long ago or how far ahead", () => {
    expect(relativeTime(now - 3_000, now)).toBe("just now");
    expect(relativeTime(now - 90_000, now)).toBe("1 minute ago");
    expect(relativeTime(now - 3 * 3600_000, now)).toBe("3 hours ago");
    expect(relativeTime(now + 2 * 86_400_000, now)).toBe("in 2 days");
    expect(relativeTime("not a date", now)).toBe("unknown time");
  });
  it("writes absolute times in UTC and durations in words", () => {
    expect(absoluteTime("2026-12-02T14:05:09.123Z")).toBe("2026-12-02 14:05:09 UTC");
    expect(humanDuration(45)).toBe("45 s");
    expect(humanDuration(720)).toBe("12 min");
    expect(humanDuration(3 * 3600 + 20 * 60)).toBe("3 h 20 min");
    expect(humanDuration(4 * 86_400 + 6 * 3600)).toBe("4 days 6 h");
    expect(humanDuration(Number.NaN)).toBe("unknown");
  });
});
