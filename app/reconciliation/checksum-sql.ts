import { canonicalSql, columnFamily, outputIsCanonical } from "../normalization/sql";
import { NO_RULES } from "../normalization/types";
import type { CatalogColumn } from "./catalog";
import { quoteIdent, type Dialect } from "./dialect";
import { keyOrder, keyRow, orderExpression, type KeyTuple } from "./keys";
import type { Bucket } from "./types";
import { type ReconcileContext, type Side, canonAlias } from "./context";
import { Params, rangePredicate, readOnly, scopePredicate } from "./statement";

/*
 * The checksum SQL: each side's canonical row text, its digest, and the per-bucket checksums that let identical
 * buckets be skipped without moving their rows.
 */

/**
 * Key columns and every compared column's canonical text, the inner select all queries share. `detail` (the
 * re-read of differing rows) adds the ruled columns' rule-free canonical texts, which attribute a covered
 * difference to its rule.
 */
export function canonicalSelect(ctx: ReconcileContext, side: Side, detail = false): string {
  const keys = side.key.map((c) => quoteIdent(c.name));
  const canon = side.columns.map(
    (c, i) => `${canonicalSql(quoteIdent(c.name), c, ctx.rules.get(c.name) ?? NO_RULES, side.dialect, side.hasTrimScale)} as ${canonAlias(i)}`,
  );
  const raw = side.columns.flatMap((c, i) => (passedAsIs(ctx, side, c) ? [`${quoteIdent(c.name)} as ${rawAlias(i)}`] : []));
  // the ruled columns' canonical text without rules: a difference only they show is one a rule covers
  const unruled = side.ruled.map((c, i) =>
    detail || !rawUnruled(side)
      ? `${canonicalSql(quoteIdent(c.name), c, NO_RULES, side.dialect, side.hasTrimScale)} as ${unruledAlias(i)}`
      : `${quoteIdent(c.name)} as ${unruledAlias(i)}`,
  );
  const owner = side.owner ? [`(${quoteIdent(side.owner.name)})::text as ${OWNER_ALIAS}`] : [];
  return [...keys, ...canon, ...raw, ...unruled, ...owner].join(", ");
}

/** A ruled column's canonical text without its rules. */
export const unruledAlias = (i: number) => `"cutover u${i}"`;

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
export const OWNER_ALIAS = `"cutover owner"`;

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
export function rowText(ctx: ReconcileContext, side: Side, withKey: boolean, parts_: "ruled" | "unruled" | "both" = "ruled"): string {
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
      if (rawUnruled(side) && !DELIMITED_BY_COMMA.has(columnFamily(c)))
        parts.push(`octet_length((${ref})::text)`, `(case when ${ref} is null then '' end)`, ref);
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
export function digest(text: string, dialect: Dialect): string {
  return dialect === "postgres" ? `encode(sha256(convert_to(${text}, 'UTF8')), 'hex')` : `sha256(${text})`;
}

/**
 * md5 of the row's text: what ordered streaming compares per key. Half the hex of a sha256 to send and parse
 * for every streamed row; md5 of text is hex on both engines (of its UTF-8 bytes on a UTF-8 server).
 */
export function rowHash(ctx: ReconcileContext, side: Side): string {
  return `md5(${rowText(ctx, side, false)})`;
}

/** md5 of the ruled columns' unruled texts, streamed beside rowHash when rules apply to the table. */
export function unruledHash(ctx: ReconcileContext, side: Side): string {
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
export const HASH_GROUPS = "; set local enable_sort = off; set local work_mem = '64MB'";

interface BucketChecksum {
  count: number;
  digest: string;
}

/**
 * Per bucket: the row count and the digest of its rows' texts concatenated in key order. One digest per bucket
 * instead of an md5 per row (plus a hex-to-integer conversion to sum) costs a row a fraction. string_agg exists
 * on both engines (https://www.cockroachlabs.com/docs/stable/functions-and-operators#aggregate-functions).
 */
export async function checksumRange(ctx: ReconcileContext, side: Side, buckets: Bucket[]): Promise<Map<number, BucketChecksum>> {
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

/** Keys per group in the first pass of dense streaming: 2^GROUP_BITS consecutive integer keys. */
const GROUP_BITS = 4;

/**
 * The group of a single integer key: key >> GROUP_BITS, an arithmetic shift (floor division) on both engines
 * (https://www.cockroachlabs.com/docs/stable/functions-and-operators#operators), so groups agree across them.
 */
export function keyGroup(side: Side): string {
  return `(${quoteIdent(side.key[0].name)} >> ${GROUP_BITS})`;
}

/** Dense streaming first checksums small key groups, when the key is one integer column and no tolerance applies. */
export function groupsKeys(ctx: ReconcileContext): boolean {
  return [ctx.source, ctx.target].every((side) => side.key.length === 1 && ["int2", "int4", "int8"].includes(side.key[0].typeName)) && ctx.tolerance.size === 0;
}

/** Per key group of [lower, upper): `count:digest` of its rows' texts, as checksumRange per bucket. */
export async function groupChecksums(ctx: ReconcileContext, side: Side, lower: KeyTuple | null, upper: KeyTuple | null): Promise<Map<string, string>> {
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
  await ctx.limiter.take(
    rows.reduce((n, [, sum]) => n + Number(sum.slice(0, sum.indexOf(":"))), 0),
    ctx.options.signal,
  );
  return new Map(rows.map(([g, sum]) => [g, sum]));
}
