import fc from "fast-check";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { compareReadResults } from "../../../client/src/shadow-comparison";
import { compareRows, createRuleResolver, type NormalizationRule } from "../../../app/normalization";
import { reconcileTable } from "../../../app/reconciliation/engine";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("recon_verdict_src"), createScratchDatabase("recon_verdict_tgt")]);
});

afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

type Pair = [string | null, string | null];
const rule = (kind: NormalizationRule["kind"], extra = {}) =>
  ({ id: `rule-${kind}`, table: "*", column: "v", kind, author: "test", reason: "property", expiresAt: null, ...extra }) as NormalizationRule;

const decimal = fc.tuple(fc.integer({ min: -99_999, max: 99_999 }), fc.nat(3), fc.nat(3), fc.boolean()).map(([n, sa, sb, differ]): Pair => {
  const base = (n / 100).toFixed(2);
  const other = differ ? ((n + 1) / 100).toFixed(2) : base;
  return [base + "0".repeat(sa), other + "0".repeat(sb)];
});
const word = fc.stringMatching(/^[a-z ]{0,4}$/);
const padded = fc
  .tuple(word, fc.nat(2), fc.nat(2), fc.boolean())
  .map(([w, sa, sb, differ]): Pair => [w + " ".repeat(sa), (differ ? `${w}x` : w) + " ".repeat(sb)]);
const emptyish = fc.tuple(fc.constantFrom<string | null>(null, "", "a", " "), fc.constantFrom<string | null>(null, "", "a", " "));
const micros = fc.tuple(fc.integer({ min: 0, max: 10 ** 9 }), fc.nat(999), fc.constantFrom(0, 1, 999, 1_000, 5_000)).map(([seconds, us, delta]): Pair => {
  const at = (total: number) => {
    const ms = Math.floor(total / 1000);
    return `${new Date(Date.UTC(2020, 0, 1) + ms).toISOString().slice(0, 23)}${String(total % 1000).padStart(3, "0")}+00`;
  };
  const a = seconds * 1_000_000 + us * 1000 + (seconds % 1000);
  return [at(a), at(a + delta)];
});
const docs = fc
  .tuple(fc.dictionary(fc.constantFrom("a", "b", "c", "zz"), fc.integer({ min: 0, max: 3 }), { minKeys: 1 }), fc.boolean(), fc.boolean())
  .map(([doc, reorder, change]): Pair => {
    const entries = Object.entries(doc);
    const other = reorder ? [...entries].reverse() : entries;
    const changed = change ? other.map(([k, v], i) => [k, i === 0 ? v + 10 : v] as const) : other;
    return [JSON.stringify(Object.fromEntries(entries)), `{ ${changed.map(([k, v]) => `"${k}": ${v}`).join(", ")} }`];
  });
const floats = fc
  .tuple(fc.integer({ min: -100_000, max: 100_000 }), fc.constantFrom(0, 0.004, 0.03, 1))
  .map(([n, delta]): Pair => [String(n / 7), String(n / 7 + delta)]);

/**
 * `jsBlind`: JS Dates hold milliseconds, so a difference in microseconds is no difference to the application (and
 * the client and ingestion); reconciliation sees it and credits the rule. The verdicts still agree; only the count
 * of rows ignored by rule is compared where both see the same raw values.
 */
const CASES: { name: string; type: string; rules: NormalizationRule[]; pairs: fc.Arbitrary<Pair>; jsBlind?: boolean }[] = [
  { name: "numeric, numeric_scale", type: "numeric", rules: [rule("numeric_scale")], pairs: decimal },
  { name: "numeric, no rule", type: "numeric", rules: [], pairs: decimal },
  { name: "text, trailing_spaces", type: "text", rules: [rule("trailing_spaces")], pairs: padded },
  { name: "text, null_equals_empty", type: "text", rules: [rule("null_equals_empty")], pairs: emptyish },
  { name: "timestamptz, timestamp_precision 3", type: "timestamptz", rules: [rule("timestamp_precision", { digits: 3 })], pairs: micros, jsBlind: true },
  { name: "json, json_normalize", type: "json", rules: [rule("json_normalize")], pairs: docs },
  { name: "float8, float_tolerance 0.01", type: "float8", rules: [rule("float_tolerance", { tolerance: 0.01 })], pairs: floats },
  { name: "text, ignore_column", type: "text", rules: [rule("ignore_column")], pairs: padded },
];

describe("one verdict for a value pair: ingestion, the client's comparison and reconciliation", () => {
  for (const c of CASES) {
    it(`agrees on ${c.name}`, async () => {
      const table = `p_${c.name.replace(/[^a-z0-9]+/g, "_")}`;
      for (const db of [source, target]) await db.sql.unsafe(`create table ${table} (id int primary key, v ${c.type})`);
      await fc.assert(
        fc.asyncProperty(fc.array(c.pairs, { minLength: 1, maxLength: 40 }), async (pairs) => {
          for (const [db, side] of [
            [source, 0],
            [target, 1],
          ] as const) {
            await db.sql.unsafe(`truncate ${table}`);
            await db.sql.unsafe(`insert into ${table} select i, (v)::${c.type} from unnest($1::int[], $2::text[]) as u(i, v)`, [
              pairs.map((_, i) => i),
              pairs.map((p) => p[side]),
            ] as never[]);
          }
          // each side's values as postgres.js reads them, as the application (and so the client) sees them
          const read = async (db: ScratchDatabase) => new Map((await db.sql.unsafe(`select id, v from ${table}`)).map((r) => [r.id as number, r]));
          const [a, b] = await Promise.all([read(source), read(target)]);
          const resolve = createRuleResolver(c.rules);
          const expected = new Set<string>();
          let ignored = 0;
          pairs.forEach((_, id) => {
            const x = a.get(id)!;
            const y = b.get(id)!;
            // ingestion: the reported rows as JSON, compared with the TypeScript rules
            const ingested = compareRows(table, JSON.parse(JSON.stringify(x)), JSON.parse(JSON.stringify(y)), resolve, new Date(), { fieldsOnly: true });
            const client = compareReadResults(x, y, { table }, { userId: "u", cohort: null, rules: c.rules });
            expect(client.mismatches.length === 0, `client vs ingestion on ${JSON.stringify(pairs[id])}`).toBe(ingested.equal);
            if (!ingested.equal) expected.add(String(id));
            else if (ingested.ignored.length) ignored++;
          });
          for (const strategy of ["checksum", "stream"] as const) {
            const result = await reconcileTable(source.sql, target.sql, {
              table,
              strategy,
              rulesFor: (column) => resolve(table, column),
              recheckDelayMs: 1,
              inFlightWindowMs: 0,
              bucketCount: 4,
            });
            const found = new Set(result.differences.map((d) => d.key[0]));
            expect([...found].sort(), `${strategy} on ${JSON.stringify(pairs)}`).toEqual([...expected].sort());
            if (!c.jsBlind) expect(result.ignoredByRule, `${strategy} ignored by rule`).toBe(ignored);
          }
        }),
        { numRuns: 4 },
      );
    });
  }
});
