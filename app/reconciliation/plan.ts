import { quoteIdent } from "./dialect";
import { keyOrder, keyTextList, type KeyTuple } from "./keys";
import type { Bucket, Strategy } from "./types";
import { MAX_BUCKET_ROWS, type ReconcileContext } from "./context";
import { Params, readOnly, scopePredicate } from "./statement";

/* Planning: the buckets a table is cut into, the runs workers claim, and the strategy for the next run. */

/** Finds the bucket a key falls in (buckets sorted, contiguous). */
export function bucketFinder(ctx: ReconcileContext, buckets: Bucket[]): (key: KeyTuple) => number {
  return (key) => {
    let lo = 0;
    let hi = buckets.length - 1;
    while (lo < hi) {
      const mid = Math.ceil((lo + hi) / 2);
      if (ctx.compareKeys(key, buckets[mid].lower!) < 0) hi = mid - 1;
      else lo = mid;
    }
    return buckets[lo].index;
  };
}

/**
 * Splits the key space into about `bucketCount` contiguous buckets covering every possible key (the first is
 * open below, the last open above, so rows only the target has are covered too). A single integer key is cut
 * into equal widths between the source's min and max; other keys at every n-th source key in byte order.
 */
export async function planBuckets(ctx: ReconcileContext): Promise<{ buckets: Bucket[]; estimatedRows: number }> {
  const side = ctx.source;
  const params = new Params();
  const scope = scopePredicate(ctx, side, params);
  const [[count]] = await readOnly<[string]>(ctx, side, `select count(*)::text from ${side.relation} where ${scope}`, params);
  const estimatedRows = Number(count);
  // more buckets than asked for on big tables: a bucket's rows are hashed as one text, and a differing bucket
  // is streamed whole
  const wanted = Math.max(1, Math.min(ctx.options.bucketCount, Math.ceil(estimatedRows / 10)), Math.ceil(estimatedRows / MAX_BUCKET_ROWS));
  let cuts: KeyTuple[] = [];
  const key = side.key;
  if (wanted > 1 && key.length === 1 && ["int2", "int4", "int8"].includes(key[0].typeName)) {
    const p = new Params();
    const s = scopePredicate(ctx, side, p);
    const col = quoteIdent(key[0].name);
    const [[min, max]] = await readOnly<[string | null, string | null]>(
      ctx,
      side,
      `select min(${col})::text, max(${col})::text from ${side.relation} where ${s}`,
      p,
    );
    if (min !== null && max !== null) {
      const lo = BigInt(min);
      const span = BigInt(max) - lo + 1n;
      const width = (span + BigInt(wanted) - 1n) / BigInt(wanted);
      for (let i = 1n; i < BigInt(wanted); i++) {
        const cut = lo + i * width;
        if (cut > BigInt(max)) break;
        cuts.push([cut.toString()]);
      }
    }
  } else if (wanted > 1) {
    const p = new Params();
    const s = scopePredicate(ctx, side, p);
    const step = p.add(String(Math.max(1, Math.floor(estimatedRows / wanted))));
    const rows = await readOnly<string[]>(
      ctx,
      side,
      `select ${keyTextList(key)} from (select ${key.map((c) => quoteIdent(c.name)).join(", ")}, row_number() over (order by ${keyOrder(key, side.dialect)}) as "cutover n" from ${side.relation} where ${s}) k` +
        ` where "cutover n" % ${step}::int8 = 0 order by ${keyOrder(key, side.dialect, "k.")}`,
      p,
    );
    cuts = rows.map((r) => r.slice(0, key.length));
  }
  const buckets: Bucket[] = [];
  let lower: KeyTuple | null = null;
  for (const cut of cuts) {
    if (lower && ctx.compareKeys(cut, lower) <= 0) continue;
    buckets.push({ index: buckets.length, lower, upper: cut });
    lower = cut;
  }
  buckets.push({ index: buckets.length, lower, upper: null });
  return { buckets, estimatedRows };
}

/** Chooses the next run's strategy from what the job has seen so far. */
export function chooseStrategy(ctx: ReconcileContext, seen: { buckets: number; differing: number }): Strategy {
  if (ctx.options.strategy === "checksum" || ctx.options.strategy === "stream") return ctx.options.strategy;
  // under float_tolerance a bucket checksum cannot tell a tolerated difference from a real one
  if (ctx.tolerance.size > 0) return "stream";
  if (seen.buckets >= 20 && seen.differing / seen.buckets > ctx.options.denseThreshold) return "stream";
  return "checksum";
}

/**
 * Cuts the buckets into runs of about `size` for workers to take one at a time. `ramp` starts with runs of
 * 1, 2, 4... buckets, so a job's first mismatches are recorded (and visible) after one bucket's work.
 */
export function bucketRuns(buckets: Bucket[], size: number, ramp = false): Bucket[][] {
  const runs: Bucket[][] = [];
  let next = ramp ? 1 : size;
  for (let i = 0; i < buckets.length;) {
    runs.push(buckets.slice(i, i + next));
    i += next;
    next = Math.min(size, next * 2);
  }
  return runs;
}
