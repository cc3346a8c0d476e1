import { describe, expect, it } from "vitest";
import { canonicalDecimal, canonicalJson, canonicalText, canonicalTimestamp, inferType, valuesEqual } from "./canonical";
import { NO_RULES, type ColumnRules } from "./types";

const rules = (partial: Partial<ColumnRules>): ColumnRules => ({ ...NO_RULES, ...partial });
const id = { ruleId: "r1" };

describe("canonical timestamps", () => {
  it("renders timestamptz as UTC ISO with exactly six fractional digits", () => {
    expect(canonicalText("2024-03-01 10:00:00.123456+00")).toBe("2024-03-01T10:00:00.123456Z");
    expect(canonicalText("2024-03-01 10:00:00.123+00")).toBe("2024-03-01T10:00:00.123000Z");
    expect(canonicalText("2024-03-01T10:00:00Z")).toBe("2024-03-01T10:00:00.000000Z");
    expect(canonicalText(new Date("2024-03-01T10:00:00.123Z"))).toBe("2024-03-01T10:00:00.123000Z");
  });

  it("converts offsets to UTC, across a day boundary, keeping the fraction", () => {
    expect(canonicalText("2024-03-01 01:30:00.5+05:30")).toBe("2024-02-29T20:00:00.500000Z");
    expect(canonicalText("2024-03-01 23:00:00.000001-0200")).toBe("2024-03-02T01:00:00.000001Z");
    for (const zone of ["+0530", "+05:30", "+05:30:15", "+0530:15", "+053015"]) {
      expect(canonicalText(`2024-03-01 01:30:00${zone}`), zone).toBe("2024-02-29T20:00:00.000000Z");
    }
    expect(canonicalText("2024-03-01 01:30:00-05")).toBe("2024-03-01T06:30:00.000000Z");
  });

  it("takes UTC wall times as they are, and rolls impossible ones over as a Date does", () => {
    expect(canonicalText("2024-02-29 23:59:59.999999-00:00")).toBe("2024-02-29T23:59:59.999999Z");
    expect(canonicalText("0099-12-31T00:00:00z")).toBe("0099-12-31T00:00:00.000000Z");
    expect(canonicalText("2023-02-29 10:00:00+00")).toBe("2023-03-01T10:00:00.000000Z");
    expect(canonicalText("2024-04-31 10:00:00+00")).toBe("2024-05-01T10:00:00.000000Z");
    expect(canonicalText("0000-02-29 10:00:00+00")).toBe("0000-02-29T10:00:00.000000Z");
    expect(canonicalText("2024-12-31 24:00:00+00")).toBe("2025-01-01T00:00:00.000000Z");
    expect(canonicalText("2024-12-31 23:59:60+00")).toBe("2025-01-01T00:00:00.000000Z");
    expect(canonicalText("2024-13-01 00:00:00+00")).toBe("2025-01-01T00:00:00.000000Z");
    expect(canonicalText("02024-03-01 00:00:00+00")).toBe("2024-03-01T00:00:00.000000Z");
    expect(canonicalText("  2024-03-01 10:00:00+00  ")).toBe("2024-03-01T10:00:00.000000Z");
  });

  it("keeps timestamp without time zone as wall-clock time", () => {
    expect(canonicalText("2024-03-01 10:00:00.1")).toBe("2024-03-01T10:00:00.100000");
    expect(canonicalText(new Date("2024-03-01T10:00:00Z"), NO_RULES, "timestamp")).toBe("2024-03-01T10:00:00.000000");
  });

  it("truncates (not rounds) to the rule's precision and pads back to six digits", () => {
    const ms = rules({ timestampPrecision: { ruleId: "p", digits: 3 } });
    expect(canonicalText("2024-03-01 10:00:00.123999+00", ms)).toBe("2024-03-01T10:00:00.123000Z");
    expect(canonicalTimestamp("2024-03-01 10:00:00.987654+00", 0)).toBe("2024-03-01T10:00:00.000000Z");
    expect(valuesEqual("2024-03-01 10:00:00.123456+00", new Date("2024-03-01T10:00:00.123Z"), ms)).toBe(true);
    expect(valuesEqual("2024-03-01 10:00:00.123456+00", new Date("2024-03-01T10:00:00.123Z"))).toBe(false);
  });

  it("spells infinities as PostgreSQL does and keeps dates as YYYY-MM-DD", () => {
    expect(canonicalText("infinity", NO_RULES, "timestamptz")).toBe("infinity");
    expect(canonicalText(new Date("2024-03-01T00:00:00Z"), NO_RULES, "date")).toBe("2024-03-01");
    expect(canonicalText("2024-03-01", NO_RULES, "date")).toBe("2024-03-01");
  });
});

describe("canonical numbers", () => {
  it("keeps the scale of numerics unless numeric_scale applies", () => {
    expect(canonicalText("1.10", NO_RULES, "numeric")).toBe("1.10");
    expect(canonicalText("1.10", rules({ numericScale: id }), "numeric")).toBe("1.1");
    expect(canonicalText("2.000", rules({ numericScale: id }))).toBe("2");
    expect(canonicalText("1.10")).toBe("1.10");
  });

  it("writes plain decimals: no exponent, no leading zeros, no negative zero", () => {
    expect(canonicalDecimal("+0012.50", false)).toBe("12.50");
    expect(canonicalDecimal("-0.00", false)).toBe("0.00");
    expect(canonicalDecimal("-0.00", true)).toBe("0");
    expect(canonicalDecimal("1.25e3", true)).toBe("1250");
    expect(canonicalDecimal("1.10e1", false)).toBe("11.0");
    expect(canonicalDecimal("5e-3", false)).toBe("0.005");
    expect(canonicalDecimal(".5", false)).toBe("0.5");
    expect(canonicalDecimal("NaN", true)).toBe("NaN");
    expect(canonicalDecimal("abc", true)).toBeNull();
  });

  it("renders integers from number, bigint and int8 strings alike", () => {
    expect(canonicalText(42)).toBe("42");
    expect(canonicalText(42n)).toBe("42");
    expect(canonicalText("0042", NO_RULES, "integer")).toBe("42");
    expect(canonicalText(-0)).toBe("0");
    expect(canonicalText(1e21)).toBe("1000000000000000000000");
    expect(canonicalText(-9007199254740991)).toBe("-9007199254740991");
    expect(canonicalText(2 ** 60)).toBe("1152921504606847000");
  });

  it("renders floats as shortest round-trip text and compares them within a tolerance", () => {
    expect(canonicalText(0.1 + 0.2)).toBe("0.30000000000000004");
    expect(canonicalText(1e-7)).toBe("1e-7");
    const tolerance = rules({ floatTolerance: { ruleId: "f", tolerance: 1e-9 } });
    expect(valuesEqual(0.1 + 0.2, 0.3)).toBe(false);
    expect(valuesEqual(0.1 + 0.2, 0.3, tolerance)).toBe(true);
    expect(valuesEqual(1.0, 1.1, tolerance)).toBe(false);
    expect(valuesEqual("", 0, rules({ floatTolerance: { ruleId: "f", tolerance: 1 } }))).toBe(false);
  });

  it("lets numeric_scale equate a float with a numeric string", () => {
    expect(valuesEqual(1.1, "1.10", rules({ numericScale: id }))).toBe(true);
    expect(valuesEqual(1.1, "1.10")).toBe(false);
  });
});

describe("canonical JSON", () => {
  it("keeps key order without the rule and sorts keys by code point with it", () => {
    expect(canonicalText({ b: 1, a: [1, { d: 2, c: 3 }] })).toBe('{"b":1,"a":[1,{"d":2,"c":3}]}');
    expect(canonicalText({ b: 1, a: [1, { d: 2, c: 3 }] }, rules({ jsonNormalize: id }))).toBe('{"a":[1,{"c":3,"d":2}],"b":1}');
    // U+FF5E sorts before an astral character by code point, after it by UTF-16 unit.
    expect(canonicalJson({ "\u{1F600}": 1, "\uFF5E": 2 }, true)).toBe('{"\uFF5E":2,"\u{1F600}":1}');
  });

  it("keeps json text verbatim unless json_normalize applies, then parses it", () => {
    expect(canonicalText('{ "a" : 1 }', NO_RULES, "json")).toBe('{ "a" : 1 }');
    expect(canonicalText('{ "b": 2, "a" : 1 }', rules({ jsonNormalize: id }))).toBe('{"a":1,"b":2}');
    expect(valuesEqual('{"b":2,"a":1}', { a: 1, b: 2 }, rules({ jsonNormalize: id }))).toBe(true);
  });

  it("writes dates and buffers inside JSON in their canonical forms", () => {
    expect(canonicalJson({ at: new Date("2024-03-01T10:00:00Z"), raw: Buffer.from([1, 255]) }, true)).toBe(
      '{"at":"2024-03-01T10:00:00.000000Z","raw":"\\\\x01ff"}',
    );
  });
});

describe("canonical text, bytea, booleans and NULL", () => {
  it("strips trailing spaces only (not tabs) with trailing_spaces", () => {
    const trim = rules({ trailingSpaces: id });
    expect(canonicalText("abc   ", trim)).toBe("abc");
    expect(canonicalText("abc\t", trim)).toBe("abc\t");
    expect(canonicalText("abc   ")).toBe("abc   ");
  });

  it("equates NULL and empty string only when explicitly allowed", () => {
    expect(canonicalText(null)).toBeNull();
    expect(canonicalText("")).toBe("");
    expect(valuesEqual(null, "")).toBe(false);
    expect(valuesEqual(null, "", rules({ nullEqualsEmpty: id }))).toBe(true);
    expect(valuesEqual(null, "  ", rules({ nullEqualsEmpty: id }))).toBe(false);
    expect(valuesEqual(null, "  ", rules({ nullEqualsEmpty: id, trailingSpaces: id }))).toBe(true);
  });

  it("renders bytea as lower-case hex from a Buffer or its JSON", () => {
    const buffer = Buffer.from([0xde, 0xad, 0xbe, 0xef]);
    expect(canonicalText(buffer)).toBe("\\xdeadbeef");
    expect(canonicalText(JSON.parse(JSON.stringify(buffer)))).toBe("\\xdeadbeef");
    expect(canonicalText("\\xDEADBEEF", NO_RULES, "bytea")).toBe("\\xdeadbeef");
  });

  it("renders booleans and uuids as PostgreSQL's text cast does", () => {
    expect(canonicalText(true)).toBe("true");
    expect(canonicalText("A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", NO_RULES, "uuid")).toBe("a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11");
  });

  it("infers types of untyped values, strings staying text unless a rule asks otherwise", () => {
    expect(inferType("2024-03-01 10:00:00+00")).toBe("timestamptz");
    expect(inferType("2024-03-01 10:00:00")).toBe("timestamp");
    expect(inferType("1.10")).toBe("text");
    expect(inferType("1.10", rules({ numericScale: id }))).toBe("numeric");
    expect(inferType('{"a":1}')).toBe("text");
    expect(inferType('{"a":1}', rules({ jsonNormalize: id }))).toBe("json");
    expect(inferType([1, 2])).toBe("json");
    expect(inferType(1.5)).toBe("float");
  });

  it("falls back to text when the declared type cannot read the value", () => {
    expect(canonicalText("not a number", NO_RULES, "numeric")).toBe("not a number");
    expect(canonicalText("yes", NO_RULES, "boolean")).toBe("yes");
  });
});
