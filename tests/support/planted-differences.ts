import type { ReconcileResult } from "../../app/reconciliation/types";
import { NO_RULES, type ColumnRules } from "../../app/normalization/types";

// The reconciliation tests' planted-difference tables, shared by the engine's integration test (one server) and the
// per-version test (the source on each supported major): both must find exactly these differences.

/** `wide`: one column of each type the comparison must get right, 3,000 rows generated on the server. */
export const WIDE_TABLE = `
  create type mood as enum ('sad', 'ok', 'happy');
  create table wide (id bigint primary key, name text, amount numeric(12,2), at timestamptz, doc jsonb, tags text[],
    blob bytea, uid uuid, feeling mood, ratio float8);
  insert into wide
  select g, 'name ' || g, (g * 1.25)::numeric(12,2), timestamptz '2024-01-01 00:00:00+00' + g * interval '1.000123 second',
         jsonb_build_object('n', g, 'even', g % 2 = 0), array['a' || g, null, 'b'], decode(md5(g::text), 'hex'),
         md5(g::text)::uuid, (array['sad','ok','happy'])[1 + g % 3]::mood, g / 7.0
  from generate_series(1, 3000) g;`;

/** `accounts`: a composite text key whose order is by bytes (mixed case, accents, trailing spaces). */
export const ACCOUNTS_TABLE = `
  create table accounts (region text, code text, balance numeric, primary key (region, code));
  insert into accounts values ('Zürich', 'a', 1.5), ('zurich', 'A', 2), ('Ångström', 'x', 3), ('apple', 'é', 4),
    ('Apple', 'e', 5), ('b', 'trailing ', 6), ('b', 'trailing', 7);
  -- enough rows for buckets with both bounds, which PostgreSQL checksums through a LATERAL list of bounds
  insert into accounts select 'region ' || g, 'c', g from generate_series(1, 300) g;`;

/** Applied to the target's `wide`: missing, extra and changed rows of every type. */
export const WIDE_DIFFERENCES = `
  delete from wide where id in (1, 1500, 3000);
  insert into wide (id, name) values (3001, 'extra'), (-5, 'extra below');
  update wide set name = name || ' ' where id = 10;           -- trailing space
  update wide set amount = 25.1 where id = 20;                 -- 25.00 -> 25.10
  update wide set at = at + interval '1 microsecond' where id = 30;
  update wide set doc = '{"n": 40, "even": false}' where id = 40;  -- value change inside jsonb
  update wide set doc = '{"even": true, "n": 50}' where id = 50;   -- same jsonb, keys written in another order
  update wide set tags = array['a51', 'b'] where id = 51;      -- array lost its NULL
  update wide set blob = blob || '\\x00'::bytea where id = 60;
  update wide set uid = null where id = 70;
  update wide set feeling = case feeling when 'sad' then 'ok'::mood else 'sad'::mood end where id = 80;
  update wide set ratio = ratio + 1e-12 where id = 90;
  update wide set name = 'NAME 100' where id = 100;            -- case only`;

/** What a comparison finds after WIDE_DIFFERENCES, as `keysOf` spells it. */
export const WIDE_EXPECTED = [
  "missing_in_target:1",
  "missing_in_target:1500",
  "missing_in_target:3000",
  "extra_in_target:3001",
  "extra_in_target:-5",
  "value_mismatch:10:name",
  "value_mismatch:20:amount",
  "value_mismatch:30:at",
  "value_mismatch:40:doc",
  "value_mismatch:51:tags",
  "value_mismatch:60:blob",
  "value_mismatch:70:uid",
  "value_mismatch:80:feeling",
  "value_mismatch:90:ratio",
  "value_mismatch:100:name",
].sort();

/** Rules under which name 10 (trailing space), at 30 (a microsecond), ratio 90 (1e-12) and uid 70 (ignored) are equal. */
const WIDE_RULES: Record<string, Partial<ColumnRules>> = {
  name: { trailingSpaces: { ruleId: "r1" } },
  amount: { numericScale: { ruleId: "r2" } },
  at: { timestampPrecision: { ruleId: "r3", digits: 3 } },
  ratio: { floatTolerance: { ruleId: "r4", tolerance: 1e-9 } },
  uid: { ignore: { ruleId: "r5" } },
};
export const wideRulesFor = (column: string): ColumnRules => ({ ...NO_RULES, ...WIDE_RULES[column] });

/** The value mismatches left under wideRulesFor, once amount 20 is set back to 25.00 on the target. */
export const WIDE_EXPECTED_UNDER_RULES = [
  "value_mismatch:40:doc",
  "value_mismatch:51:tags",
  "value_mismatch:60:blob",
  "value_mismatch:80:feeling",
  "value_mismatch:100:name",
].sort();

/** Applied to the target's `accounts`, and what a comparison then finds. */
export const ACCOUNTS_DIFFERENCES = `
  delete from accounts where region = 'Ångström';
  update accounts set balance = 2.0 where region = 'zurich';
  update accounts set balance = 0 where region = 'region 150';
  insert into accounts values ('b', 'trailing  ', 8), ('ångström', 'x', 3);`;
export const ACCOUNTS_EXPECTED = [
  "missing_in_target:Ångström|x",
  "extra_in_target:b|trailing  ",
  "extra_in_target:ångström|x",
  "value_mismatch:zurich|A:balance",
  "value_mismatch:region 150|c:balance",
].sort();

/** A result's differences as sorted `kind:key[:columns]` strings. */
export const keysOf = (r: Pick<ReconcileResult, "differences">) =>
  r.differences.map((d) => `${d.kind}:${d.key.join("|")}${d.columns.length ? `:${d.columns.join(",")}` : ""}`).sort();
