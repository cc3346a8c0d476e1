import type { MismatchKind } from "../normalization/types";
import { quoteIdent } from "./dialect";
import { keyTextList, type KeyTuple } from "./keys";
import { canonicalColumnType, coveringRules, type RuledColumns } from "./rule-coverage";
import type { Difference } from "./types";
import { OWNER_ALIAS, canonicalSelect, groupChecksums, rowHash, unruledAlias } from "./checksum-sql";
import { type ReconcileContext, type Side, canonAlias } from "./context";
import { RangeReader, RowCursor } from "./range-reader";
import { Params, readOnly } from "./statement";

/*
 * The merge: walking both sides of a key range in key order to find the keys that differ, and re-reading rows by
 * key to say how they differ.
 */

export interface Candidate {
  key: KeyTuple;
  /** "covered": equal under the rules, different without them (counted as ignored by rule once re-read). */
  kind: MismatchKind | "covered";
}

function toleranceEqual(ctx: ReconcileContext, a: (string | null)[], b: (string | null)[], names: string[]): boolean {
  return names.every((name, i) => {
    const x = a[i];
    const y = b[i];
    if (x === y) return true;
    if (x === null || y === null) return false;
    return Math.abs(Number(x) - Number(y)) <= (ctx.tolerance.get(name) ?? 0);
  });
}

/**
 * Dense streaming: where about every hundredth row differs, every bucket differs, but most groups of 16 keys
 * do not. Both sides checksum the groups (one row per group reaches this process), and only the rows of
 * differing groups are streamed and merged: a fraction of the rows to hash per row, parse and hold.
 */
export async function groupedMergeRange(
  ctx: ReconcileContext,
  lower: KeyTuple | null,
  upper: KeyTuple | null,
): Promise<{ candidates: Candidate[]; rows: number }> {
  const [a, b] = await Promise.all([groupChecksums(ctx, ctx.source, lower, upper), groupChecksums(ctx, ctx.target, lower, upper)]);
  const differing: string[] = [];
  let rows = 0;
  const count = (sum: string | undefined) => (sum ? Number(sum.slice(0, sum.indexOf(":"))) : 0);
  for (const [g, sum] of a) {
    rows += Math.max(count(sum), count(b.get(g)));
    if (b.get(g) !== sum) differing.push(g);
  }
  for (const [g, sum] of b) {
    if (a.has(g)) continue;
    rows += count(sum);
    differing.push(g);
  }
  if (differing.length === 0) return { candidates: [], rows };
  const merged = await mergeRange(ctx, lower, upper, differing);
  return { candidates: merged.candidates, rows };
}

/** Ordered streaming: merge-walk both sides of [lower, upper) (only the given key groups) and return the keys that differ. */
export async function mergeRange(
  ctx: ReconcileContext,
  lower: KeyTuple | null,
  upper: KeyTuple | null,
  groups: string[] | null = null,
): Promise<{ candidates: Candidate[]; rows: number }> {
  const s = new RowCursor(new RangeReader(ctx, ctx.source, lower, upper, groups));
  const t = new RowCursor(new RangeReader(ctx, ctx.target, lower, upper, groups));
  const toleranceNames = ctx.columnNames.filter((n) => ctx.tolerance.has(n));
  const candidates: Candidate[] = [];
  let rows = 0;
  for (;;) {
    let a = s.current();
    let b = t.current();
    if (a === undefined || b === undefined) [a, b] = await Promise.all([a === undefined ? s.fill() : a, b === undefined ? t.fill() : b]);
    if (!a && !b) break;
    rows++;
    const order = !a ? 1 : !b ? -1 : ctx.compareKeys(a.key, b.key);
    if (order < 0) {
      candidates.push({ key: a!.key, kind: "missing_in_target" });
      s.advance();
    } else if (order > 0) {
      candidates.push({ key: b!.key, kind: "extra_in_target" });
      t.advance();
    } else {
      if (a!.hash !== b!.hash || !toleranceEqual(ctx, a!.tolerance, b!.tolerance, toleranceNames)) {
        candidates.push({ key: a!.key, kind: "value_mismatch" });
      } else if (a!.unruled !== b!.unruled) {
        candidates.push({ key: a!.key, kind: "covered" });
      }
      s.advance();
      t.advance();
    }
  }
  return { candidates, rows };
}

type DetailRow = { key: KeyTuple; hash: string; values: (string | null)[]; unruled: (string | null)[]; owner: string | null };

/** Re-reads rows by key on one side: key, row hash, every compared column's canonical text, the ruled columns' unruled texts, the owner. */
async function readRows(ctx: ReconcileContext, side: Side, keys: KeyTuple[]): Promise<Map<string, DetailRow>> {
  const out = new Map<string, DetailRow>();
  const nKey = side.key.length;
  const nValues = side.columns.length;
  const nRuled = side.ruled.length;
  for (let i = 0; i < keys.length; i += 500) {
    const chunk = keys.slice(i, i + 500);
    const params = new Params();
    const plainRow = `(${side.key.map((c) => quoteIdent(c.name)).join(", ")})`;
    const list = chunk
      .map((k) => {
        const first = params.values.length + 1;
        k.forEach((part) => params.values.push(part));
        return `(${side.key.map((c, j) => `cast($${first + j}::text as ${c.type})`).join(", ")})`;
      })
      .join(", ");
    const canon = side.columns.map((_, j) => `, ${canonAlias(j)}`).join("");
    const unruled = side.ruled.map((_, j) => `, ${unruledAlias(j)}`).join("");
    const owner = side.owner ? `, ${OWNER_ALIAS}` : "";
    const query =
      `select ${keyTextList(side.key)}, ${rowHash(ctx, side)}${canon}${unruled}${owner} from (` +
      `select ${canonicalSelect(ctx, side, true)} from ${side.relation} where ${plainRow} in (${list}) offset 0) r`;
    const rows = await readOnly<(string | null)[]>(ctx, side, query, params);
    for (const r of rows) {
      const key = r.slice(0, nKey) as string[];
      const at = nKey + 1 + nValues;
      out.set(JSON.stringify(key), {
        key,
        hash: r[nKey] as string,
        values: r.slice(nKey + 1, at),
        unruled: r.slice(at, at + nRuled),
        owner: side.owner ? r[at + nRuled] : null,
      });
    }
  }
  return out;
}

/** A row equal under the rules but not without them, with the rules that made it equal. */
export interface CoveredRow {
  key: KeyTuple;
  ruleIds: string[];
}

/**
 * Compares the given keys afresh on both sides (the re-read after a delay, and the re-verify after a repair).
 * Returns the rows that still differ with their canonical values.
 */
export async function compareKeys(ctx: ReconcileContext, keys: KeyTuple[], bucketOf: (key: KeyTuple) => number = () => -1): Promise<Difference[]> {
  return (await compareKeysUnderRules(ctx, keys, bucketOf)).differences;
}

/** compareKeys, plus the rows that only a rule makes equal (ignored by rule, never a difference). */
export async function compareKeysUnderRules(
  ctx: ReconcileContext,
  keys: KeyTuple[],
  bucketOf: (key: KeyTuple) => number = () => -1,
): Promise<{ differences: Difference[]; covered: CoveredRow[] }> {
  if (keys.length === 0) return { differences: [], covered: [] };
  const [src, tgt] = await Promise.all([readRows(ctx, ctx.source, keys), readRows(ctx, ctx.target, keys)]);
  const differences: Difference[] = [];
  const covered: CoveredRow[] = [];
  const toleranceNames = new Set(ctx.tolerance.keys());
  const ruled: RuledColumns = { table: ctx.label, names: ctx.ruledNames, types: ctx.source.ruled.map(canonicalColumnType), rules: ctx.rules };
  for (const key of keys) {
    const id = JSON.stringify(key);
    const a = src.get(id);
    const b = tgt.get(id);
    if (!a && !b) continue;
    const values = (r: DetailRow | undefined) => (r ? Object.fromEntries(ctx.columnNames.map((n, i) => [n, r.values[i]])) : null);
    let kind: MismatchKind;
    let columns: string[] = [];
    if (!b) kind = "missing_in_target";
    else if (!a) kind = "extra_in_target";
    else {
      columns = ctx.columnNames.filter((n, i) => {
        const x = a.values[i];
        const y = b.values[i];
        if (x === y) return false;
        if (toleranceNames.has(n) && x !== null && y !== null) return Math.abs(Number(x) - Number(y)) > ctx.tolerance.get(n)!;
        return true;
      });
      if (columns.length === 0) {
        if (ruled.names.length) {
          const ruleIds = coveringRules(ruled, a.unruled, b.unruled);
          if (ruleIds?.length) covered.push({ key, ruleIds });
        }
        continue;
      }
      kind = "value_mismatch";
      columns.sort();
    }
    differences.push({
      key,
      keyObject: Object.fromEntries(ctx.keyNames.map((n, i) => [n, key[i]])),
      kind,
      columns,
      source: values(a),
      target: values(b),
      bucket: bucketOf(key),
      userId: ctx.source.owner ? (a?.owner ?? b?.owner ?? null) : undefined,
    });
  }
  return { differences, covered };
}
