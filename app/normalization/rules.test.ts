import { describe, expect, it } from "vitest";
import { createRuleResolver, describeRule, isRuleActive, resolveColumnRules } from "./rules";
import type { NormalizationRule } from "./types";

const base = { author: "ana@example.com", reason: "engine difference", expiresAt: null };
const now = new Date("2026-01-01T00:00:00Z");

describe("rule resolution", () => {
  it("matches wildcards and lets the most specific rule of a kind win", () => {
    const rules: NormalizationRule[] = [
      { ...base, id: "any", table: "*", column: "*", kind: "timestamp_precision", digits: 0 },
      { ...base, id: "col", table: "*", column: "updated_at", kind: "timestamp_precision", digits: 3 },
      { ...base, id: "tab", table: "documents", column: "*", kind: "timestamp_precision", digits: 4 },
      { ...base, id: "exact", table: "documents", column: "updated_at", kind: "timestamp_precision", digits: 5 },
    ];
    expect(resolveColumnRules(rules, "documents", "updated_at", now).timestampPrecision).toEqual({ ruleId: "exact", digits: 5 });
    expect(resolveColumnRules(rules, "documents", "created_at", now).timestampPrecision).toEqual({ ruleId: "tab", digits: 4 });
    expect(resolveColumnRules(rules, "users", "updated_at", now).timestampPrecision).toEqual({ ruleId: "col", digits: 3 });
    expect(resolveColumnRules(rules, "users", "created_at", now).timestampPrecision).toEqual({ ruleId: "any", digits: 0 });
  });

  it("combines rules of different kinds on one column and ignores other tables' rules", () => {
    const rules: NormalizationRule[] = [
      { ...base, id: "n", table: "invoices", column: "amount", kind: "numeric_scale" },
      { ...base, id: "t", table: "invoices", column: "*", kind: "trailing_spaces" },
      { ...base, id: "other", table: "users", column: "amount", kind: "ignore_column" },
    ];
    const resolved = resolveColumnRules(rules, "invoices", "amount", now);
    expect(resolved.numericScale).toEqual({ ruleId: "n" });
    expect(resolved.trailingSpaces).toEqual({ ruleId: "t" });
    expect(resolved.ignore).toBeNull();
  });

  it("does not apply expired rules (an expiry equal to now has expired)", () => {
    const rule: NormalizationRule = { ...base, id: "e", table: "*", column: "*", kind: "ignore_column", expiresAt: "2026-01-01T00:00:00Z" };
    expect(isRuleActive(rule, now)).toBe(false);
    expect(isRuleActive({ ...rule, expiresAt: "2026-01-01T00:00:01Z" }, now)).toBe(true);
    expect(isRuleActive({ ...rule, expiresAt: "garbage" }, now)).toBe(false);
    expect(resolveColumnRules([rule], "t", "c", now).ignore).toBeNull();
  });

  it("clamps timestamp digits to 0..6", () => {
    const rule: NormalizationRule = { ...base, id: "p", table: "*", column: "*", kind: "timestamp_precision", digits: 9 };
    expect(resolveColumnRules([rule], "t", "c", now).timestampPrecision?.digits).toBe(6);
  });

  it("caches resolution per table and column", () => {
    const rules: NormalizationRule[] = [{ ...base, id: "i", table: "t", column: "c", kind: "ignore_column" }];
    const resolve = createRuleResolver(rules, now);
    expect(resolve("t", "c")).toBe(resolve("t", "c"));
    expect(resolve("t", "d").ignore).toBeNull();
  });

  it("describes rules for people", () => {
    expect(describeRule({ ...base, id: "p", table: "documents", column: "updated_at", kind: "timestamp_precision", digits: 3 })).toBe(
      "compare documents.updated_at timestamps at 3 fractional digits",
    );
  });
});
