import { keyOrder, keyTextList, type KeyTuple } from "./keys";
import { abortError } from "./rate-limit";
import { canonicalSelect, keyGroup, rowHash, unruledHash } from "./checksum-sql";
import { type ReconcileContext, type Side, canonAlias } from "./context";
import { Params, rangePredicate, readOnly, scopePredicate } from "./statement";

/* Reading a key range in order, in batches, with the next batch read ahead while the current one is merged. */

type StreamRow = { key: KeyTuple; hash: string; unruled: string | null; tolerance: (string | null)[] };

/**
 * Reads a key range in key order, `batchSize` rows per statement (keyset pagination); the next batch is
 * already being read while the merge walks the current one.
 */
export class RangeReader {
  private after: KeyTuple | null = null;
  private done = false;
  private pending: Promise<StreamRow[]> | null = null;
  private readonly toleranceIdx: number[];

  constructor(
    private readonly ctx: ReconcileContext,
    private readonly side: Side,
    private readonly lower: KeyTuple | null,
    private readonly upper: KeyTuple | null,
    /** Only rows of these key groups (see groupChecksums); null = every row. */
    private readonly groups: string[] | null = null,
  ) {
    this.toleranceIdx = side.columns.map((c, i) => (ctx.tolerance.has(c.name) ? i : -1)).filter((i) => i >= 0);
  }

  async next(): Promise<StreamRow[] | null> {
    if (this.done) return null;
    const batch = await (this.pending ?? this.fetch(this.after));
    this.pending = null;
    if (batch.length < this.ctx.options.batchSize) this.done = true;
    else {
      this.after = batch[batch.length - 1].key;
      this.pending = this.fetch(this.after);
      // a failure surfaces when the batch is awaited; never as an unhandled rejection meanwhile
      this.pending.catch(() => {});
    }
    return batch.length ? batch : null;
  }

  private async fetch(after: KeyTuple | null): Promise<StreamRow[]> {
    const { ctx, side } = this;
    if (ctx.options.signal?.aborted) throw abortError(ctx.options.signal);
    const nKey = side.key.length;
    const params = new Params();
    const range = after ? rangePredicate(side, after, this.upper, params, true) : rangePredicate(side, this.lower, this.upper, params);
    let scope = scopePredicate(ctx, side, params);
    if (this.groups) scope += ` and ${keyGroup(side)} = any(${params.add(this.groups)}::int8[])`;
    const limit = params.add(String(ctx.options.batchSize));
    const query =
      `select ${keyTextList(side.key)}, ${rowHash(ctx, side)}${unruledHash(ctx, side)}${this.toleranceIdx.map((i) => `, ${canonAlias(i)}`).join("")} from (` +
      `select ${canonicalSelect(ctx, side)} from ${side.relation} where ${range} and ${scope}` +
      ` order by ${keyOrder(side.key, side.dialect)} limit ${limit}::int) r order by ${keyOrder(side.key, side.dialect, "r.")}`;
    const rows = await readOnly<(string | null)[]>(ctx, side, query, params);
    await ctx.limiter.take(rows.length, ctx.options.signal);
    const u = side.ruled.length ? 1 : 0;
    return rows.map((r) => ({ key: r.slice(0, nKey) as string[], hash: r[nKey] as string, unruled: u ? r[nKey + 1] : null, tolerance: r.slice(nKey + 1 + u) }));
  }
}

/** Pulls rows one by one out of a batched reader; synchronous while the current batch lasts. */
export class RowCursor {
  private batch: StreamRow[] = [];
  private i = 0;
  private ended = false;
  constructor(private readonly reader: RangeReader) {}
  /** The current row, null at the end, undefined when the next batch must be awaited with fill(). */
  current(): StreamRow | null | undefined {
    if (this.i < this.batch.length) return this.batch[this.i];
    return this.ended ? null : undefined;
  }
  async fill(): Promise<StreamRow | null> {
    while (this.i >= this.batch.length) {
      const next = await this.reader.next();
      if (!next) {
        this.ended = true;
        return null;
      }
      this.batch = next;
      this.i = 0;
    }
    return this.batch[this.i];
  }
  advance() {
    this.i++;
  }
}
