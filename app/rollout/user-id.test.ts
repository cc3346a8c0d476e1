import { describe, expect, it } from "vitest";
import { formatBasisPoints, parsePercent } from "./percent";
import { userIdProblem } from "./user-id";

describe("user ids", () => {
  it("accepts 1 to 256 characters, counted as code points", () => {
    expect(userIdProblem("a")).toBeNull();
    expect(userIdProblem("x".repeat(256))).toBeNull();
    expect(userIdProblem("🙂".repeat(256))).toBeNull(); // 512 UTF-16 units, 256 characters
    expect(userIdProblem("x".repeat(257))).toBe("user id must be at most 256 characters");
    expect(userIdProblem("")).toBe("user id must not be empty");
    expect(userIdProblem(42)).toBe("user id must be a string");
  });
});

describe("percentages", () => {
  it("parses 0.01% steps into basis points and formats them back", () => {
    expect(parsePercent("25")).toBe(2500);
    expect(parsePercent("25%")).toBe(2500);
    expect(parsePercent("0.01")).toBe(1);
    expect(parsePercent("12.5 %")).toBe(1250);
    expect(parsePercent("100")).toBe(10_000);
    expect(parsePercent("100.01")).toBeNull();
    expect(parsePercent("1.234")).toBeNull();
    expect(parsePercent("-1")).toBeNull();
    expect(formatBasisPoints(1)).toBe("0.01%");
  });
});
