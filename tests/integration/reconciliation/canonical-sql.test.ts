import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { canonicalText } from "../../../app/normalization/canonical";
import { canonicalSql } from "../../../app/normalization/sql";
import { NO_RULES, type ColumnRules, type ColumnType } from "../../../app/normalization/types";
import { describeTable } from "../../../app/reconciliation/catalog";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

/**
 * sql.ts must yield, inside PostgreSQL, exactly the canonical text that canonicalText yields in JS for the
 * value postgres.js reads: one column per case, many values per column, every rule combination that applies.
 */
let db: ScratchDatabase;

const R = (rules: Partial<ColumnRules>): ColumnRules => ({ ...NO_RULES, ...rules });
const RULE_SETS: Record<string, ColumnRules> = {
  none: NO_RULES,
  trailing: R({ trailingSpaces: { ruleId: "t" } }),
  empty: R({ nullEqualsEmpty: { ruleId: "e" }, trailingSpaces: { ruleId: "t" } }),
  scale: R({ numericScale: { ruleId: "n" } }),
  ms: R({ timestampPrecision: { ruleId: "p", digits: 3 } }),
  seconds: R({ timestampPrecision: { ruleId: "p", digits: 0 } }),
  json: R({ jsonNormalize: { ruleId: "j" } }),
};

interface Case {
  column: string;
  sqlType: string;
  type: ColumnType;
  values: string[];
  rules: (keyof typeof RULE_SETS)[];
  /** How the JS side reads the value: postgres.js's own parsing, or the text (Date would drop microseconds). */
  read?: "text";
}

const CASES: Case[] = [
  {
    column: "t",
    sqlType: "text",
    type: "text",
    rules: ["none", "trailing", "empty"],
    values: ["'plain'", "'trailing  '", "''", "'   '", "'Zürich'", "'ZURICH'", "'e\u0301 combining'", "E'tab\\t'", "null"],
  },
  { column: "vc", sqlType: "varchar(20)", type: "text", rules: ["none", "trailing"], values: ["'abc '", "'Ångström'", "null"] },
  { column: "ch", sqlType: "char(6)", type: "text", rules: ["none", "trailing"], values: ["'ab'", "'abcdef'", "null"] },
  { column: "i8", sqlType: "bigint", type: "integer", rules: ["none", "scale"], values: ["0", "-1", "9223372036854775807", "-9223372036854775808", "null"] },
  { column: "i4", sqlType: "integer", type: "integer", rules: ["none"], values: ["42", "-2147483648"] },
  {
    column: "n",
    sqlType: "numeric",
    type: "numeric",
    rules: ["none", "scale"],
    values: ["1.10", "1.1", "2.000", "-0.00", "0", "-12.5", "123456789012345678901234567890.000100", "0.000001", "'NaN'", "null"],
  },
  { column: "n2", sqlType: "numeric(12,2)", type: "numeric", rules: ["none", "scale"], values: ["25", "25.1", "-3.5", "0"] },
  {
    column: "f8",
    sqlType: "float8",
    type: "float",
    rules: ["none", "scale"],
    values: [
      "0.1",
      "0.30000000000000004",
      "1e-7",
      "1.5e-5",
      "0.0001",
      "123456789012345680000",
      "1e21",
      "1.5e300",
      "-0",
      "1e15",
      "1234567890123456.7",
      "-2.5",
      "'NaN'",
      "'Infinity'",
      "'-Infinity'",
      "null",
    ],
  },
  { column: "f4", sqlType: "float4", type: "float", rules: ["none"], values: ["1.1", "3.4e38", "1e-7", "0.5"] },
  { column: "b", sqlType: "boolean", type: "boolean", rules: ["none"], values: ["true", "false", "null"] },
  { column: "u", sqlType: "uuid", type: "uuid", rules: ["none"], values: ["'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11'", "null"] },
  {
    column: "tz",
    sqlType: "timestamptz",
    type: "timestamptz",
    rules: ["none", "ms", "seconds"],
    read: "text",
    values: [
      "'2024-03-01 12:34:56.123456+00'",
      "'2024-03-01 12:34:56.999999-05'",
      "'2024-03-01 12:34:56+05:30'",
      "'1999-12-31 23:59:59.1+00'",
      "'2024-03-01 00:00:00+00'",
      "'2024-03-01 12:34:56.120000+00'",
      "'0099-01-01 00:00:00.5+00'",
      "'10000-01-01 00:00:00.12345+00'",
      "'infinity'",
      "null",
      "'0001-01-01 00:00:00.000001+00'",
      "'9999-12-31 23:59:59.999999+00'",
      "'2024-03-01 12:34:56.000001+00'",
      "'2024-03-01 12:34:56.12345+00'",
      "'0099-01-01 00:00:00.000009+00'",
      "'10000-01-01 00:00:00.000001+00'",
      "'-infinity'",
      "'2024-03-01 12:34:56.1234+00'",
      "'2024-03-01 12:34:56.123+00'",
      "'0001-01-01 00:00:00+00'",
      "'9999-12-31 23:59:59.99+00'",
    ],
  },
  {
    column: "ts",
    sqlType: "timestamp",
    type: "timestamp",
    rules: ["none", "ms"],
    read: "text",
    values: [
      "'2024-03-01 12:34:56.123456'",
      "'2024-03-01 00:00:00'",
      "null",
      "'0001-01-01 00:00:00.000001'",
      "'9999-12-31 23:59:59.999999'",
      "'2024-03-01 12:34:56.12345'",
      "'10000-01-01 00:00:00.000001'",
      "'2024-03-01 12:34:56.1'",
      "'2024-03-01 12:34:56.1234'",
      "'0001-01-01 00:00:00'",
    ],
  },
  { column: "d", sqlType: "date", type: "date", rules: ["none"], read: "text", values: ["'2024-02-29'", "'0001-01-01'", "'10000-12-31'", "null"] },
  {
    column: "jb",
    sqlType: "jsonb",
    type: "json",
    rules: ["none", "json"],
    values: [
      `'{"b": 1, "a": [1, 2.5, "x"], "aa": {"z": null, "y": true}}'`,
      `'{"n": 1.10, "big": 1e21, "small": 1e-7}'`,
      `'[]'`,
      `'{}'`,
      `'"just a string with \\"quotes\\""'`,
      `'{"é": 1, "e": 2, "E": 3, "ü": {"k": [{"x": 1}]}}'`,
      `'{"deep": {"a": {"b": {"c": {"d": {"e": 1}}}}}}'`,
      "null",
    ],
  },
  { column: "j", sqlType: "json", type: "json", rules: ["none", "json"], values: [`'{"b": 1, "a": 2}'`, `'[1, {"y": 2, "x": [3]}]'`, "null"] },
  {
    column: "ta",
    sqlType: "text[]",
    type: "json",
    rules: ["none"], // (a NULL element of text[] is read by postgres.js 3.4 as the string "NULL", so it is left out here)
    values: ["array['a', 'NULL', 'b c', '']", "array[]::text[]", "null"],
  },
  { column: "ia", sqlType: "int4[]", type: "json", rules: ["none"], values: ["array[1, 2, null]", "'{{1,2},{3,4}}'"] },
  { column: "by", sqlType: "bytea", type: "bytea", rules: ["none"], values: ["'\\xDEADbeef00'::bytea", "''::bytea", "null"] },
  { column: "m", sqlType: "mood", type: "text", rules: ["none"], values: ["'happy'", "'sad'", "null"] },
];

beforeAll(async () => {
  db = await createScratchDatabase("recon_canon");
  await db.sql.unsafe(`create type mood as enum ('sad', 'ok', 'happy')`);
  for (const c of CASES) {
    await db.sql.unsafe(`create table "v_${c.column}" (id int primary key, v ${c.sqlType})`);
    await db.sql.unsafe(`insert into "v_${c.column}" values ${c.values.map((v, i) => `(${i}, ${v})`).join(", ")}`);
  }
});

afterAll(async () => {
  await db?.drop();
});

describe("canonicalSql agrees with canonicalText", () => {
  for (const c of CASES) {
    for (const ruleName of c.rules) {
      it(`${c.sqlType} under ${ruleName}`, async () => {
        const rules = RULE_SETS[ruleName];
        const { table } = await describeTable(db.sql, "public", `v_${c.column}`);
        const column = table!.columns.find((x) => x.name === "v")!;
        const rows = await db.sql.unsafe(
          `select id, ${c.read === "text" ? `v::text` : "v"} as raw, ${canonicalSql(`"v"`, column, rules)} as canon from "v_${c.column}" order by id`,
        );
        expect(rows).toHaveLength(c.values.length);
        for (const row of rows) {
          expect({ value: c.values[row.id], sql: row.canon }).toEqual({ value: c.values[row.id], sql: canonicalText(row.raw, rules, c.type) });
        }
      });
    }
  }
});
