import type postgres from "postgres";
import { canonicalSql, columnFamily, outputIsCanonical } from "../normalization/sql";
import { NO_RULES, type ColumnRules, type MismatchKind } from "../normalization/types";
import { describeBothSides, type CatalogColumn, type SchemaDrift } from "./catalog";
import { quoteIdent, qualifiedName, type Dialect } from "./dialect";
import { keyComparator, keyOrder, keyRow, keyTextList, orderExpression, paramRow, type KeyTuple } from "./keys";
import { DEFAULT_IN_FLIGHT_WINDOW_MS, RecheckPipeline, settleInFlight } from "./in-flight";
import { abortError, RowRateLimiter } from "./rate-limit";
import { canonicalColumnType, coveringRules, hasRules, type RuledColumns } from "./rule-coverage";
import type { Bucket, BucketRangeResult, Difference, ReconcileOptions, ReconcileResult, ReconciliationScope, Strategy } from "./types";

/** One side of the comparison: its client and the catalog's view of the compared columns. */
export interface Side {
  name: "source" | "target";
  sql: postgres.Sql;
  dialect: Dialect;
  /** trim_scale is PostgreSQL 13+; elsewhere numeric_scale is spelled with regexps. */
  hasTrimScale: boolean;
  /** Quoted, schema-qualified table name built from the catalog. */
  relation: string;
  key: CatalogColumn[];
  /** Compared non-key columns, same order on both sides. */
  columns: CatalogColumn[];
  /** Non-key columns under at least one active rule (ignored ones too), same order on both sides. */
  ruled: CatalogColumn[];
  /** The owner (user id) column, read with every re-read row; null = whole-table meaning. */
  owner: CatalogColumn | null;
}

export interface ReconcileContext {
  label: string;
  source: Side;
  target: Side;
  /** Names of the compared non-key columns. */
  columnNames: string[];
  keyNames: string[];
  /** Columns compared numerically under float_tolerance (kept out of the row hash). */
  tolerance: Map<string, number>;
  rules: Map<string, ColumnRules>;
  /** Names of the columns under a rule (Side.ruled), whose unruled differences are counted as ignored by rule. */
  ruledNames: string[];
  scope: ReconciliationScope;
  compareKeys: (a: KeyTuple, b: KeyTuple) => number;
  limiter: RowRateLimiter;
  options: Required<Pick<ReconcileOptions, "bucketCount" | "batchSize" | "concurrency" | "recheckDelayMs" | "inFlightWindowMs" | "statementTimeoutMs" | "denseThreshold">> &
    Pick<ReconcileOptions, "signal" | "strategy" | "onCandidates">;
}

const DEFAULTS = {
  bucketCount: 1000,
  // rows per streamed batch (a side holds two: one merged, one read ahead); more did not go faster, only bigger
  batchSize: 10_000,
  concurrency: 2,
  recheckDelayMs: 250,
  inFlightWindowMs: DEFAULT_IN_FLIGHT_WINDOW_MS,
  statementTimeoutMs: 60_000,
  denseThreshold: 0.2,
};

/** Rows per bucket at most (estimated): bounds the memory a bucket checksum takes on the database. */
const MAX_BUCKET_ROWS = 4_000;

/** Aliases for canonical values in generated SQL; a space makes a clash with a real column name unlikely. */
const canonAlias = (i: number) => `"cutover c${i}"`;

/**
 * Reads both catalogs and builds what every later step needs, or reports the schema drift that prevents it.
 * Column drift (a column on one side only, a type change) is reported and the common columns are compared.
 */
export async function prepareReconciliation(
  source: postgres.Sql,
  target: postgres.Sql,
  options: ReconcileOptions,
): Promise<{ drift: SchemaDrift[]; context: ReconcileContext | null }> {
  const schema = options.schema ?? "public";
  const { sourceDialect, targetDialect, sourceVersionNum, targetVersionNum, plan } = await describeBothSides(source, target, schema, options.table);
  const drift = [...plan.drift];
  const scope = options.scope ?? { kind: "table" };
  if (scope.kind === "users" && !plan.columns.some((c) => c.name === scope.column)) {
    drift.push({ kind: "column_missing", side: "both", column: scope.column, blocking: true, message: `user column ${scope.column} is not a column of ${schema}.${options.table} on both sides` });
  }
  const owner = options.ownerColumn ? plan.columns.find((c) => c.name === options.ownerColumn) : null;
  if (options.ownerColumn && !owner) {
    drift.push({ kind: "column_missing", side: "both", column: options.ownerColumn, blocking: true, message: `owner column ${options.ownerColumn} is not a column of ${schema}.${options.table} on both sides` });
  }
  if (drift.some((d) => d.blocking) || !plan.source || !plan.target) return { drift, context: null };
  const rulesFor = options.rulesFor ?? (() => NO_RULES);
  const rules = new Map<string, ColumnRules>();
  const tolerance = new Map<string, number>();
  const ruled: typeof plan.columns = [];
  const compared = plan.columns.filter((c) => {
    if (plan.primaryKey.includes(c.name)) return false;
    const r = rulesFor(c.name);
    rules.set(c.name, r);
    if (hasRules(r)) ruled.push(c);
    // only numbers compare numerically: elsewhere Number() is NaN, and NaN > tolerance would call any two values equal
    if (r.floatTolerance && ["integer", "numeric", "float"].includes(columnFamily(c.source))) tolerance.set(c.name, r.floatTolerance.tolerance);
    return !r.ignore;
  });
  const keyOf = (side: "source" | "target") =>
    plan.primaryKey.map((k) => plan.columns.find((c) => c.name === k)![side]);
  const side = (name: "source" | "target", sql: postgres.Sql, dialect: Dialect, versionNum: number): Side => ({
    name,
    sql,
    dialect,
    hasTrimScale: dialect === "postgres" && versionNum >= 130000,
    relation: qualifiedName(schema, options.table),
    key: keyOf(name),
    columns: compared.map((c) => c[name]),
    ruled: ruled.map((c) => c[name]),
    owner: owner ? owner[name] : null,
  });
  const src = side("source", source, sourceDialect, sourceVersionNum);
  return {
    drift,
    context: {
      label: `${schema}.${options.table}`,
      source: src,
      target: side("target", target, targetDialect, targetVersionNum),
      columnNames: compared.map((c) => c.name),
      keyNames: plan.primaryKey,
      tolerance,
      rules,
      ruledNames: ruled.map((c) => c.name),
      scope,
      compareKeys: keyComparator(src.key),
      limiter: new RowRateLimiter(options.rowsPerSecond),
      options: {
        bucketCount: options.bucketCount ?? DEFAULTS.bucketCount,
        batchSize: options.batchSize ?? DEFAULTS.batchSize,
        concurrency: Math.max(1, options.concurrency ?? DEFAULTS.concurrency),
        recheckDelayMs: options.recheckDelayMs ?? DEFAULTS.recheckDelayMs,
        inFlightWindowMs: Math.max(0, options.inFlightWindowMs ?? DEFAULTS.inFlightWindowMs),
        statementTimeoutMs: options.statementTimeoutMs ?? DEFAULTS.statementTimeoutMs,
        denseThreshold: options.denseThreshold ?? DEFAULTS.denseThreshold,
        signal: options.signal,
        strategy: options.strategy ?? "auto",
        onCandidates: options.onCandidates,
      },
    },
  };
}

/** Positional parameters for one generated statement. */
class Params {
  values: (string | string[] | null)[] = [];
  add(value: string | string[] | null): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }
  /** A typed row of key parameters comparable with keyRow(). */
  keyRow(side: Side, key: KeyTuple): string {
    const first = this.values.length + 1;
    for (const part of key) this.values.push(part);
    return paramRow(side.key, side.dialect, first);
  }
}

/** Runs a statement in a read-only transaction with a statement timeout: production databases come first. */
async function readOnly<T extends readonly unknown[]>(
  ctx: ReconcileContext,
  side: Side,
  query: string,
  params: Params,
  postgresSettings = "",
): Promise<T[]> {
  return side.sql.begin("read only", async (tx) => {
    // SET LOCAL: CockroachDB documents it for statement_timeout too (untested here).
    // PostgreSQL's JIT compiles our long canonical expressions for seconds on each statement (seen on 15).
    // DateStyle ISO: the canonical SQL of dates relies on it (app/normalization/sql.ts).
    // TimeZone, extra_float_digits and bytea_output: the output texts of ruled columns hashed as they are depend on them
    const extra = side.dialect === "postgres"
      ? `; set local jit = off; set local datestyle = 'ISO, YMD'; set local timezone = 'UTC'; set local extra_float_digits = 1; set local bytea_output = 'hex'${postgresSettings}`
      : "";
    await tx.unsafe(`set local statement_timeout = ${Math.trunc(ctx.options.statementTimeoutMs)}${extra}`).simple();
    return (await tx.unsafe(query, params.values as never[]).values()) as unknown as T[];
  }) as Promise<T[]>;
}

function scopePredicate(ctx: ReconcileContext, side: Side, params: Params): string {
  const scope = ctx.scope;
  const parts: string[] = [];
  if (scope.kind === "range") {
    if (scope.from) parts.push(`${keyRow(side.key, side.dialect)} >= ${params.keyRow(side, scope.from)}`);
    if (scope.to) parts.push(`${keyRow(side.key, side.dialect)} <= ${params.keyRow(side, scope.to)}`);
  } else if (scope.kind === "users") {
    parts.push(`(${quoteIdent(scope.column)})::text = any(${params.add(scope.ids)}::text[])`);
  }
  return parts.length ? parts.join(" and ") : "true";
}

function rangePredicate(side: Side, lower: KeyTuple | null, upper: KeyTuple | null, params: Params, lowerExclusive = false): string {
  const parts: string[] = [];
  if (lower) parts.push(`${keyRow(side.key, side.dialect)} ${lowerExclusive ? ">" : ">="} ${params.keyRow(side, lower)}`);
  if (upper) parts.push(`${keyRow(side.key, side.dialect)} < ${params.keyRow(side, upper)}`);
  return parts.length ? parts.join(" and ") : "true";
}

/**
 * Key columns and every compared column's canonical text, the inner select all queries share. `detail` (the
 * re-read of differing rows) adds the ruled columns' rule-free canonical texts, which attribute a covered
 * difference to its rule.
 */
function canonicalSelect(ctx: ReconcileContext, side: Side, detail = false): string {
  const keys = side.key.map((c) => quoteIdent(c.name));
  const canon = side.columns.map(
    (c, i) => `${canonicalSql(quoteIdent(c.name), c, ctx.rules.get(c.name) ?? NO_RULES, side.dialect, side.hasTrimScale)} as ${canonAlias(i)}`,
  );
  const raw = side.columns.flatMap((c, i) => (passedAsIs(ctx, side, c) ? [`${quoteIdent(c.name)} as ${rawAlias(i)}`] : []));
  // the ruled columns' canonical text without rules: a difference only they show is one a rule covers
  const unruled = side.ruled.map((c, i) =>
    detail || !rawUnruled(side) ? `${canonicalSql(quoteIdent(c.name), c, NO_RULES, side.dialect, side.hasTrimScale)} as ${unruledAlias(i)}` : `${quoteIdent(c.name)} as ${unruledAlias(i)}`,
  );
  const owner = side.owner ? [`(${quoteIdent(side.owner.name)})::text as ${OWNER_ALIAS}`] : [];
  return [...keys, ...canon, ...raw, ...unruled, ...owner].join(", ");
}

/** A ruled column's canonical text without its rules. */
const unruledAlias = (i: number) => `"cutover u${i}"`;

/**
 * On PostgreSQL the checksums and streamed hashes take a ruled column's rule-free side from its output function
 * (concat_ws calls it), not from its canonical SQL: the output is injective on values, so every difference
 * without rules still shows (readOnly fixes the session settings it depends on), at a fraction of the cost
 * (a second to_char per row halved a ruled table's rate). CockroachDB's output may differ from PostgreSQL's, so
 * it keeps the canonical text.
 */
function rawUnruled(side: Side): boolean {
  return side.dialect === "postgres";
}
const OWNER_ALIAS = `"cutover owner"`;

/** The value itself, for rowText on PostgreSQL, where its output function prints its canonical text. */
const rawAlias = (i: number) => `"cutover r${i}"`;

function passedAsIs(ctx: ReconcileContext, side: Side, column: CatalogColumn): boolean {
  return side.dialect === "postgres" && outputIsCanonical(column, ctx.rules.get(column.name) ?? NO_RULES);
}

/** Canonical forms that are never empty and never contain a comma: a comma after each delimits them. */
const DELIMITED_BY_COMMA = new Set(["integer", "numeric", "float", "boolean", "uuid", "timestamptz", "timestamp", "date", "bytea"]);

/**
 * A row's canonical texts as one text that no other row (and, concatenated, no other sequence of rows) spells
 * the same way, comma-separated: numbers, times, uuids and bytea as they are (never empty, so '' is NULL),
 * free text after its byte length ('' for NULL). On CockroachDB every argument is a non-null text, so concat_ws
 * never skips one (https://www.cockroachlabs.com/docs/stable/functions-and-operators#string-and-byte-functions);
 * one concat_ws costs a row a third less than concat() or || chains. `withKey` puts the key first, for
 * checksums over several rows; tolerance columns are compared apart.
 * PostgreSQL's concat_ws calls each argument's output function itself, so integers, uuids, numerics and byte
 * lengths go in as values (no text made and read back: 8% of a row's database CPU), each followed by a
 * CASE that is '' where the value is NULL (and skipped) and NULL (skipped) otherwise: the same text.
 */
function rowText(ctx: ReconcileContext, side: Side, withKey: boolean, parts_: "ruled" | "unruled" | "both" = "ruled"): string {
  const parts: string[] = [];
  const postgres = side.dialect === "postgres";
  const orEmpty = (ref: string, notNull: boolean) => (notNull ? [] : [`(case when ${ref} is null then '' end)`]);
  const add = (ref: string, column: CatalogColumn, raw: string | null, notNull: boolean) => {
    if (raw) parts.push(raw, ...orEmpty(raw, notNull));
    else if (DELIMITED_BY_COMMA.has(columnFamily(column))) parts.push(`coalesce(${ref}, '')`);
    else if (postgres) parts.push(`octet_length(${ref})`, ...orEmpty(ref, notNull), `coalesce(${ref}, '')`);
    else parts.push(`coalesce((octet_length(${ref}))::text, '')`, `coalesce(${ref}, '')`);
  };
  if (withKey) {
    // primary-key columns are never NULL
    side.key.forEach((c) => {
      const ref = quoteIdent(c.name);
      add(canonicalSql(ref, c, NO_RULES, side.dialect, side.hasTrimScale), c, postgres && outputIsCanonical(c, NO_RULES) ? ref : null, true);
    });
  }
  if (parts_ !== "unruled") {
    side.columns.forEach((c, i) => {
      if (!ctx.tolerance.has(c.name)) add(canonAlias(i), c, passedAsIs(ctx, side, c) ? rawAlias(i) : null, false);
    });
  }
  // checksums cover the unruled texts too, so a bucket whose only differences a rule covers is streamed and
  // its rows counted as ignored by rule
  if (parts_ !== "ruled") {
    side.ruled.forEach((c, i) => {
      const ref = unruledAlias(i);
      // an output text may hold commas: free text, JSON and arrays go in after their byte length
      if (rawUnruled(side) && !DELIMITED_BY_COMMA.has(columnFamily(c))) parts.push(`octet_length((${ref})::text)`, `(case when ${ref} is null then '' end)`, ref);
      else add(ref, c, rawUnruled(side) ? ref : null, false);
    });
  }
  return parts.length ? `concat_ws(',', ${parts.join(", ")})` : `''`;
}

/**
 * Hex sha256 of a text's UTF-8 bytes on both engines: PostgreSQL's sha256 takes bytea (convert_to also makes a
 * non-UTF-8 server hash what CockroachDB hashes), CockroachDB's takes a string and returns hex
 * (https://www.cockroachlabs.com/docs/stable/functions-and-operators#cryptographic-functions).
 * On PostgreSQL 15 it costs less than md5 (OpenSSL, SHA extensions).
 */
function digest(text: string, dialect: Dialect): string {
  return dialect === "postgres" ? `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')` : `sha256(${text})`;
}

/**
 * md5 of the row's text: what ordered streaming compares per key. Half the hex of a sha256 to send and parse
 * for every streamed row; md5 of text is hex on both engines (of its UTF-8 bytes on a UTF-8 server).
 */
function rowHash(ctx: ReconcileContext, side: Side): string {
  return `md5(${rowText(ctx, side, false)})`;
}

/** md5 of the ruled columns' unruled texts, streamed beside rowHash when rules apply to the table. */
function unruledHash(ctx: ReconcileContext, side: Side): string {
  return side.ruled.length ? `, md5(${rowText(ctx, side, false, "unruled")})` : "";
}

/** Nested CASE that finds a row's bucket among sorted boundaries in log2(n) comparisons. */
function bucketCase(side: Side, buckets: Bucket[], params: Params): string {
  const row = keyRow(side.key, side.dialect);
  const build = (lo: number, hi: number): string => {
    if (lo === hi) return String(buckets[lo].index);
    const mid = Math.ceil((lo + hi) / 2);
    return `(case when ${row} < ${params.keyRow(side, buckets[mid].lower!)} then ${build(lo, mid - 1)} else ${build(mid, hi)} end)`;
  };
  return build(0, buckets.length - 1);
}

/**
 * Settings for a statement that aggregates row texts per key group: the planner cannot know the groups are few
 * and would sort every row by them (spilling to disk), where hashing the groups in input order is what we want.
 * The groups' texts stay in memory (a range's worth).
 */
const HASH_GROUPS = "; set local enable_sort = off; set local work_mem = '64MB'";

interface BucketChecksum {
  count: number;
  digest: string;
}

/**
 * Per bucket: the row count and the digest of its rows' texts concatenated in key order. One digest per bucket
 * instead of an md5 per row (plus a hex-to-integer conversion to sum) costs a row a fraction. string_agg exists
 * on both engines (https://www.cockroachlabs.com/docs/stable/functions-and-operators#aggregate-functions).
 */
async function checksumRange(ctx: ReconcileContext, side: Side, buckets: Bucket[]): Promise<Map<number, BucketChecksum>> {
  const params = new Params();
  const query = side.dialect === "postgres" ? postgresChecksumQuery(ctx, side, buckets, params) : cockroachChecksumQuery(ctx, side, buckets, params);
  const rows = await readOnly<[number | string, string, string | null]>(ctx, side, query, params);
  const result = new Map<number, BucketChecksum>();
  let total = 0;
  for (const [b, count, digest] of rows) {
    result.set(Number(b), { count: Number(count), digest: digest ?? "" });
    total += Number(count);
  }
  await ctx.limiter.take(total, ctx.options.signal);
  return result;
}

/**
 * PostgreSQL: one plain aggregate per bucket, the buckets with both bounds as a LATERAL subquery over a VALUES
 * list of their bounds (an index range scan each), the open-ended first and last bucket on their own. The
 * aggregate's memory is reset between buckets; grouping by a bucket CASE held every bucket's text until the end
 * of the statement, and the page faults and copies of that cost a row about an eighth of its database CPU.
 * PostgreSQL aggregates rows in the order the key-ordered subquery yields them (an ORDER BY inside the aggregate
 * would sort every bucket again).
 */
function postgresChecksumQuery(ctx: ReconcileContext, side: Side, buckets: Bucket[], params: Params): string {
  const scope = scopePredicate(ctx, side, params);
  const aggregate = (range: string) =>
    `select count(*)::text, ${digest(`string_agg(t, '')`, side.dialect)} from (` +
    `select ${rowText(ctx, side, true, "both")} as t from (` +
    `select ${canonicalSelect(ctx, side)} from ${side.relation} where ${range} and ${scope}` +
    ` order by ${keyOrder(side.key, side.dialect)} offset 0) r) h`;
  const parts = buckets
    .filter((b) => !b.lower || !b.upper)
    .map((b) => `select ${b.index}, a.* from (${aggregate(rangePredicate(side, b.lower, b.upper, params))}) a`);
  const interior = buckets.filter((b) => b.lower && b.upper);
  if (interior.length) {
    // a space in the alias: no table of the subquery, whose names are resolved first, is likely to be called so
    const bound = (end: "l" | "u") => `(${side.key.map((c, i) => orderExpression(`"cutover bounds"."${end}${i}"`, c, side.dialect)).join(", ")})`;
    const names = side.key.flatMap((_, i) => [`"l${i}"`, `"u${i}"`]);
    const typed = (part: string, c: CatalogColumn) => `cast(${params.add(part)}::text as ${c.type})`;
    const values = interior.map((b) => `(${b.index}, ${side.key.map((c, i) => `${typed(b.lower![i], c)}, ${typed(b.upper![i], c)}`).join(", ")})`);
    const row = keyRow(side.key, side.dialect);
    parts.push(
      `select "cutover bounds"."b", a.* from (values ${values.join(", ")}) "cutover bounds"("b", ${names.join(", ")})` +
        ` cross join lateral (${aggregate(`${row} >= ${bound("l")} and ${row} < ${bound("u")}`)}) a`,
    );
  }
  return parts.join(" union all ");
}

/**
 * CockroachDB: a bucket CASE and one group per bucket. It distributes aggregation, so it is told the order.
 * Either way a different order can only make equal buckets look different (then streamed), never the reverse:
 * row texts are self-delimiting and carry their key.
 */
function cockroachChecksumQuery(ctx: ReconcileContext, side: Side, buckets: Bucket[], params: Params): string {
  const range = rangePredicate(side, buckets[0].lower, buckets[buckets.length - 1].upper, params);
  const scope = scopePredicate(ctx, side, params);
  const bucket = bucketCase(side, buckets, params);
  const agg = `string_agg(t, '' order by ${keyOrder(side.key, side.dialect, "h.")})`;
  const keys = side.key.map((c) => `r.${quoteIdent(c.name)}`).join(", ");
  return (
    `select b, count(*)::text, ${digest(agg, side.dialect)} from (` +
    `select ${bucket} as b, ${rowText(ctx, side, true, "both")} as t, ${keys} from (` +
    `select ${canonicalSelect(ctx, side)} from ${side.relation} where ${range} and ${scope} offset 0) r) h group by b`
  );
}

type StreamRow = { key: KeyTuple; hash: string; unruled: string | null; tolerance: (string | null)[] };

/**
 * Reads a key range in key order, `batchSize` rows per statement (keyset pagination); the next batch is
 * already being read while the merge walks the current one.
 */
class RangeReader {
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
class RowCursor {
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

/** Keys per group in the first pass of dense streaming: 2^GROUP_BITS consecutive integer keys. */
const GROUP_BITS = 4;

/**
 * The group of a single integer key: key >> GROUP_BITS, an arithmetic shift (floor division) on both engines
 * (https://www.cockroachlabs.com/docs/stable/functions-and-operators#operators), so groups agree across them.
 */
function keyGroup(side: Side): string {
  return `(${quoteIdent(side.key[0].name)} >> ${GROUP_BITS})`;
}

/** Dense streaming first checksums small key groups, when the key is one integer column and no tolerance applies. */
function groupsKeys(ctx: ReconcileContext): boolean {
  return [ctx.source, ctx.target].every((side) => side.key.length === 1 && ["int2", "int4", "int8"].includes(side.key[0].typeName)) && ctx.tolerance.size === 0;
}

/** Per key group of [lower, upper): `count:digest` of its rows' texts, as checksumRange per bucket. */
async function groupChecksums(ctx: ReconcileContext, side: Side, lower: KeyTuple | null, upper: KeyTuple | null): Promise<Map<string, string>> {
  const params = new Params();
  const range = rangePredicate(side, lower, upper, params);
  const scope = scopePredicate(ctx, side, params);
  const ordered = side.dialect === "postgres";
  const agg = ordered ? `string_agg(t, '')` : `string_agg(t, '' order by h.k)`;
  const query =
    `select g::text, count(*)::text || ':' || ${digest(agg, side.dialect)} from (` +
    `select ${keyGroup(side)} as g, ${quoteIdent(side.key[0].name)} as k, ${rowText(ctx, side, true, "both")} as t from (` +
    `select ${canonicalSelect(ctx, side)} from ${side.relation} where ${range} and ${scope}` +
    `${ordered ? ` order by ${keyOrder(side.key, side.dialect)}` : ""} offset 0) r) h group by g`;
  const rows = await readOnly<[string, string]>(ctx, side, query, params, HASH_GROUPS);
  await ctx.limiter.take(rows.reduce((n, [, sum]) => n + Number(sum.slice(0, sum.indexOf(":"))), 0), ctx.options.signal);
  return new Map(rows.map(([g, sum]) => [g, sum]));
}

/**
 * Dense streaming: where about every hundredth row differs, every bucket differs, but most groups of 16 keys
 * do not. Both sides checksum the groups (one row per group reaches this process), and only the rows of
 * differing groups are streamed and merged: a fraction of the rows to hash per row, parse and hold.
 */
async function groupedMergeRange(ctx: ReconcileContext, lower: KeyTuple | null, upper: KeyTuple | null): Promise<{ candidates: Candidate[]; rows: number }> {
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
async function mergeRange(
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
    const values = (r: DetailRow | undefined) =>
      r ? Object.fromEntries(ctx.columnNames.map((n, i) => [n, r.values[i]])) : null;
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

/** What a first read of a run of buckets found: candidates still to be re-read before they count. */
export interface BucketRangeScan {
  buckets: Bucket[];
  candidates: Candidate[];
  rowsCompared: number;
  bucketsDiffering: number;
  strategy: Strategy;
  /** When the first read ended: the re-read waits for the recheck delay counted from here. */
  scannedAt: number;
}

/**
 * Reads a contiguous run of buckets with the given strategy: checksums first (streaming only the buckets whose
 * count or digest differ), or ordered streaming of the whole run. Returns the keys that differ on this read.
 */
export async function scanBucketRange(ctx: ReconcileContext, buckets: Bucket[], strategy: Strategy): Promise<BucketRangeScan> {
  const candidates: Candidate[] = [];
  let rowsCompared = 0;
  let bucketsDiffering = 0;
  const stream = groupsKeys(ctx) ? groupedMergeRange : mergeRange;
  if (strategy === "checksum") {
    const [a, b] = await Promise.all([checksumRange(ctx, ctx.source, buckets), checksumRange(ctx, ctx.target, buckets)]);
    const differing: Bucket[] = [];
    for (const bucket of buckets) {
      const x = a.get(bucket.index);
      const y = b.get(bucket.index);
      rowsCompared += Math.max(x?.count ?? 0, y?.count ?? 0);
      if ((x?.count ?? 0) !== (y?.count ?? 0) || (x?.digest ?? "") !== (y?.digest ?? "") || ctx.tolerance.size > 0) differing.push(bucket);
    }
    bucketsDiffering = differing.length;
    // neighbouring differing buckets are streamed as one range
    const runs: Bucket[][] = [];
    for (const bucket of differing) {
      const last = runs[runs.length - 1];
      if (last && last[last.length - 1].index === bucket.index - 1) last.push(bucket);
      else runs.push([bucket]);
    }
    for (const run of runs) {
      const merged = await stream(ctx, run[0].lower, run[run.length - 1].upper);
      candidates.push(...merged.candidates);
    }
  } else {
    const merged = await stream(ctx, buckets[0].lower, buckets[buckets.length - 1].upper);
    candidates.push(...merged.candidates);
    rowsCompared = merged.rows;
    const find = bucketFinder(ctx, buckets);
    bucketsDiffering = new Set(candidates.map((c) => find(c.key))).size;
  }
  return { buckets, candidates, rowsCompared, bucketsDiffering, strategy, scannedAt: Date.now() };
}

/**
 * Re-reads a scan's candidates from the recheck delay on, with backoff, until they match or the in-flight window
 * has passed (app/reconciliation/in-flight.ts), so a mirrored write in flight is not reported. Callers scan the
 * next runs meanwhile: the waiting costs no throughput. Rows only a rule makes equal are counted per rule.
 */
export async function recheckBucketRange(ctx: ReconcileContext, scan: BucketRangeScan): Promise<BucketRangeResult> {
  let differences: Difference[] = [];
  const ignored = new Map<string, CoveredRow>();
  const differing = scan.candidates.filter((c) => c.kind !== "covered");
  if (scan.candidates.length) {
    if (differing.length) await ctx.options.onCandidates?.(differing.map((c) => c.key));
    const find = bucketFinder(ctx, scan.buckets);
    const settled = await settleInFlight(
      scan.candidates.map((c) => c.key),
      async (keys) => {
        const found = await compareKeysUnderRules(ctx, keys, find);
        for (const row of found.covered) ignored.set(JSON.stringify(row.key), row);
        return found.differences;
      },
      { firstReadAt: scan.scannedAt, firstDelayMs: ctx.options.recheckDelayMs, windowMs: ctx.options.inFlightWindowMs, signal: ctx.options.signal },
    );
    differences = settled.differing;
    // a row that settled into one only a rule covers was counted above; one that still differs is not ignored
    for (const d of differences) ignored.delete(JSON.stringify(d.key));
  }
  const ignoredRules: Record<string, number> = {};
  for (const row of ignored.values()) for (const id of row.ruleIds) ignoredRules[id] = (ignoredRules[id] ?? 0) + 1;
  return {
    differences,
    rowsCompared: scan.rowsCompared,
    bucketsDone: scan.buckets.length,
    bucketsDiffering: scan.bucketsDiffering,
    clearedOnRecheck: differing.length - differences.length,
    strategy: scan.strategy,
    ignoredByRule: ignored.size,
    ignoredRules,
  };
}

/** A run of buckets scanned, then its candidates re-read after the recheck delay. */
export async function compareBucketRange(ctx: ReconcileContext, buckets: Bucket[], strategy: Strategy): Promise<BucketRangeResult> {
  return recheckBucketRange(ctx, await scanBucketRange(ctx, buckets, strategy));
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
    const [[min, max]] = await readOnly<[string | null, string | null]>(ctx, side, `select min(${col})::text, max(${col})::text from ${side.relation} where ${s}`, p);
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
  for (let i = 0; i < buckets.length; ) {
    runs.push(buckets.slice(i, i + next));
    i += next;
    next = Math.min(size, next * 2);
  }
  return runs;
}

export const emptyCounts = (): Record<MismatchKind, number> => ({ missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 });

/** Compares a whole table (or its scope) in one process: the engine without the job layer. */
export async function reconcileTable(source: postgres.Sql, target: postgres.Sql, options: ReconcileOptions & { onRun?: (r: BucketRangeResult) => void }): Promise<ReconcileResult> {
  const started = Date.now();
  const { drift, context: ctx } = await prepareReconciliation(source, target, options);
  const result: ReconcileResult = {
    drift,
    compared: false,
    differences: [],
    counts: emptyCounts(),
    rowsCompared: 0,
    bucketCount: 0,
    bucketsDiffering: 0,
    clearedOnRecheck: 0,
    strategies: { checksum: 0, stream: 0 },
    elapsedMs: 0,
  };
  if (!ctx) return { ...result, elapsedMs: Date.now() - started };
  const { buckets } = await planBuckets(ctx);
  result.bucketCount = buckets.length;
  const runs = bucketRuns(buckets, 25);
  const seen = { buckets: 0, differing: 0 };
  let next = 0;
  const ignoredRules: Record<string, number> = {};
  let ignoredByRule = 0;
  const collect = (r: BucketRangeResult) => {
    result.differences.push(...r.differences);
    result.rowsCompared += r.rowsCompared;
    result.bucketsDiffering += r.bucketsDiffering;
    result.clearedOnRecheck += r.clearedOnRecheck;
    ignoredByRule += r.ignoredByRule ?? 0;
    for (const [id, n] of Object.entries(r.ignoredRules ?? {})) ignoredRules[id] = (ignoredRules[id] ?? 0) + n;
    result.strategies[r.strategy]++;
    options.onRun?.(r);
  };
  const worker = async () => {
    // runs' re-reads wait out the in-flight window while the next runs are scanned
    const rechecks = new RecheckPipeline();
    while (next < runs.length) {
      const run = runs[next++];
      const scan = await scanBucketRange(ctx, run, chooseStrategy(ctx, seen));
      seen.buckets += scan.buckets.length;
      seen.differing += scan.bucketsDiffering;
      await rechecks.add(recheckBucketRange(ctx, scan).then(collect));
    }
    await rechecks.drain();
  };
  await Promise.all(Array.from({ length: ctx.options.concurrency }, worker));
  result.ignoredByRule = ignoredByRule;
  result.ignoredRules = ignoredRules;
  result.differences.sort((a, b) => ctx.compareKeys(a.key, b.key));
  for (const d of result.differences) result.counts[d.kind]++;
  result.compared = true;
  result.elapsedMs = Date.now() - started;
  return result;
}
