import { describe, expect, it } from "vitest";
import { classifyDifference, compareRows, diffJson } from "./compare";
import type { NormalizationRule } from "./types";

const base = { author: "ana@example.com", reason: "known engine difference", expiresAt: null };
const now = new Date("2026-01-01T00:00:00Z");

describe("classifyDifference", () => {
  it("names the type-aware reason two raw values differ", () => {
    expect(classifyDifference("2024-03-01 10:00:00.123456+00", "2024-03-01 10:00:00.123+00")).toBe("timestamp_precision");
    expect(classifyDifference("2024-03-01 10:00:00.123456+00", new Date("2024-03-01T10:00:00.123Z"))).toBe("timestamp_precision");
    expect(classifyDifference("2024-03-01 10:00:00+00", "2024-03-01 10:00:01+00")).toBe("value");
    expect(classifyDifference("1.10", "1.1")).toBe("numeric_scale");
    expect(classifyDifference("1.10", "1.2")).toBe("value");
    expect(classifyDifference(0.1 + 0.2, 0.3)).toBe("float_precision");
    expect(classifyDifference({ a: 1, b: 2 }, '{"b": 2, "a": 1}')).toBe("json_key_order");
    expect(classifyDifference({ a: 1 }, { a: 2 })).toBe("value");
    expect(classifyDifference("abc  ", "abc")).toBe("trailing_spaces");
    expect(classifyDifference(null, "")).toBe("null_vs_empty");
    expect(classifyDifference(null, "x")).toBe("value");
  });
});

describe("diffJson", () => {
  it("lists differing leaves by path, ignoring key order", () => {
    const diffs = diffJson(
      { title: "A", meta: { tags: ["x", "y"], "page count": 3 }, gone: 1 },
      { meta: { "page count": 4, tags: ["x"] }, title: "A", added: true },
    );
    expect(diffs).toEqual([
      { path: "$.added", change: "extra_in_target", source: undefined, target: true },
      { path: "$.gone", change: "missing_in_target", source: 1, target: undefined },
      { path: '$.meta["page count"]', change: "changed", source: 3, target: 4 },
      { path: "$.meta.tags[1]", change: "missing_in_target", source: "y", target: undefined },
    ]);
  });

  it("caps the number of differences", () => {
    const source = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`k${i}`, i]));
    expect(diffJson(source, {}, "$", 10)).toHaveLength(10);
  });
});

describe("compareRows", () => {
  const source = {
    id: "42",
    title: "Essay   ",
    updated_at: "2024-03-01 10:00:00.123456+00",
    price: "1.10",
    meta: { b: 1, a: 2 },
    note: null,
    version: 7,
  };
  const target = {
    id: "42",
    title: "Essay",
    updated_at: "2024-03-01 10:00:00.123+00",
    price: "1.1",
    meta: '{"a": 2, "b": 1}',
    note: "",
    version: 8,
  };

  it("reports every raw difference with its classification when no rule applies", () => {
    const result = compareRows("documents", source, target, [], now);
    expect(result.equal).toBe(false);
    expect(result.kind).toBe("value_mismatch");
    expect(result.differingFields).toEqual(["meta", "note", "price", "title", "updated_at", "version"]);
    const byField = Object.fromEntries(result.fieldDiffs.map((d) => [d.field, d.classification]));
    expect(byField).toEqual({
      meta: "json_key_order",
      note: "null_vs_empty",
      price: "numeric_scale",
      title: "trailing_spaces",
      updated_at: "timestamp_precision",
      version: "value",
    });
    expect(result.fieldDiffs.find((d) => d.field === "updated_at")).toMatchObject({
      sourceCanonical: "2024-03-01T10:00:00.123456Z",
      targetCanonical: "2024-03-01T10:00:00.123000Z",
    });
  });

  it("credits each rule that made a field equal and keeps the real difference", () => {
    const rules: NormalizationRule[] = [
      { ...base, id: "r-ts", table: "documents", column: "updated_at", kind: "timestamp_precision", digits: 3 },
      { ...base, id: "r-num", table: "*", column: "price", kind: "numeric_scale" },
      { ...base, id: "r-json", table: "documents", column: "meta", kind: "json_normalize" },
      { ...base, id: "r-trim", table: "documents", column: "*", kind: "trailing_spaces" },
      { ...base, id: "r-null", table: "documents", column: "note", kind: "null_equals_empty" },
    ];
    const result = compareRows("documents", source, target, rules, now);
    expect(result.differingFields).toEqual(["version"]);
    expect(result.ignored).toEqual([
      { field: "title", ruleId: "r-trim" },
      { field: "updated_at", ruleId: "r-ts" },
      { field: "price", ruleId: "r-num" },
      { field: "meta", ruleId: "r-json" },
      { field: "note", ruleId: "r-null" },
    ]);
    const withIgnore = compareRows(
      "documents",
      source,
      target,
      [...rules, { ...base, id: "r-ver", table: "documents", column: "version", kind: "ignore_column" }],
      now,
    );
    expect(withIgnore).toMatchObject({ equal: true, kind: null, differingFields: [] });
    expect(withIgnore.ignored).toContainEqual({ field: "version", ruleId: "r-ver" });
  });

  it("applies float tolerance numerically", () => {
    const rules: NormalizationRule[] = [{ ...base, id: "tol", table: "scores", column: "value", kind: "float_tolerance", tolerance: 0.001 }];
    expect(compareRows("scores", { value: 1.0001 }, { value: 1.0 }, rules, now)).toMatchObject({
      equal: true,
      ignored: [{ field: "value", ruleId: "tol" }],
    });
    expect(compareRows("scores", { value: 1.01 }, { value: 1.0 }, rules, now).differingFields).toEqual(["value"]);
  });

  it("ignores expired rules", () => {
    const rules: NormalizationRule[] = [{ ...base, id: "old", table: "*", column: "*", kind: "ignore_column", expiresAt: "2025-12-31T00:00:00Z" }];
    expect(compareRows("t", { a: 1 }, { a: 2 }, rules, now).differingFields).toEqual(["a"]);
  });

  it("reports missing and extra rows", () => {
    expect(compareRows("t", { id: 1 }, null, [], now)).toMatchObject({ equal: false, kind: "missing_in_target" });
    expect(compareRows("t", null, { id: 1 }, [], now)).toMatchObject({ equal: false, kind: "extra_in_target" });
    expect(compareRows("t", null, null, [], now)).toMatchObject({ equal: true, kind: null });
  });

  it("reports a column present on one side only", () => {
    const result = compareRows("t", { id: 1, extra: null }, { id: 1 }, [], now);
    expect(result.fieldDiffs).toMatchObject([{ field: "extra", classification: "missing_field" }]);
  });

  it("gives nested JSON paths for JSON differences", () => {
    const result = compareRows("t", { doc: { a: { b: [1, 2] } } }, { doc: { a: { b: [1, 3] } } }, [], now);
    expect(result.fieldDiffs[0].jsonDiffs).toEqual([{ path: "$.a.b[1]", change: "changed", source: 2, target: 3 }]);
  });

  it("uses declared column types: a numeric-looking text column is compared as text", () => {
    const rules: NormalizationRule[] = [{ ...base, id: "n", table: "*", column: "*", kind: "numeric_scale" }];
    expect(compareRows("t", { code: "1.10" }, { code: "1.1" }, rules, now, { columnTypes: { code: "text" } }).equal).toBe(false);
    expect(compareRows("t", { code: "1.10" }, { code: "1.1" }, rules, now).equal).toBe(true);
  });

  it("treats the same values identically whether they come from postgres.js or from JSON", () => {
    const fromDriver = { at: new Date("2024-03-01T10:00:00.123Z"), bytes: Buffer.from("hi"), n: 5n, tags: ["a"] };
    const fromJson = JSON.parse(JSON.stringify({ ...fromDriver, n: "5" }));
    expect(compareRows("t", fromDriver, fromJson, [], now).equal).toBe(true);
  });
});
