import type postgres from "postgres";
import { quoteIdent } from "../reconciliation/dialect";
import { keyOrder, keyRow, paramRow, type KeyTuple } from "../reconciliation/keys";
import { abortError, type RowRateLimiter } from "../reconciliation/rate-limit";
import { isRowRefusal, sqlState, withRetry, type RetryReport } from "./retry";
import type { CopyTable } from "./table";

/** The rows of a range a copy reads: an engine scope (a cohort arrives here resolved to its users). */
export type CopyScope = { kind: "table" } | { kind: "range"; from?: KeyTuple; to?: KeyTuple } | { kind: "users"; column: string; ids: string[] };

/** A row the target refused, with its error: set aside, the copy goes on. */
export interface RefusedRow {
  key: Record<string, string>;
  row: Record<string, string | null>;
  sqlstate: string | null;
  error: string;
}

export interface CopiedBatch {
  read: number;
  inserted: number;
  /** Already on the target (a mirrored write, or a batch re-copied after a crash): kept as they are. */
  skipped: number;
  refused: RefusedRow[];
  bytes: number;
  /** The last key of the batch: the range's checkpoint once the batch is recorded. */
  cursor: KeyTuple;
}

export interface CopyOptions {
  batchRows: number;
  batchBytes: number;
  statementTimeoutMs: number;
  limiter: RowRateLimiter;
  signal?: AbortSignal;
  /** Called after each batch is on the target, before the next is read: the checkpoint. */
  onBatch: (batch: CopiedBatch) => Promise<void>;
  onRetry?: (report: RetryReport) => void;
}

/** Rows read per batch before the first batch's size is known: small, so one huge row cannot blow the budget. */
const FIRST_BATCH_ROWS = 200;
/** A value kept with a refused row is cut here: the set-aside list is for people, not a second copy. */
const SET_ASIDE_VALUE_CHARS = 2_000;

/**
 * Copies the rows of [cursor or lower, upper) in key order: a keyset read on the source (read-only, statement
 * timeout), then one `INSERT ... ON CONFLICT (key) DO NOTHING` per batch on the target, so a row a mirrored
 * write already put there is never overwritten by this older copy. A batch is bounded by rows and by bytes
 * (the next read's size follows the last batch's average row), so memory stays bounded by two batches.
 */
export async function copyRange(
  table: CopyTable,
  sides: { source: postgres.Sql; target: postgres.Sql },
  range: { lower: KeyTuple | null; upper: KeyTuple | null; cursor: KeyTuple | null },
  scope: CopyScope,
  options: CopyOptions,
): Promise<void> {
  const insert = insertStatement(table);
  const read = (cursor: KeyTuple | null, limit: number) => {
    const rows = withRetry(() => readBatch(table, sides.source, scope, range, cursor, limit, options.statementTimeoutMs), {
      signal: options.signal,
      onRetry: options.onRetry,
    });
    rows.catch(() => {}); // awaited by the loop; never an unhandled rejection while a write is in flight
    return rows;
  };
  let limit = Math.min(options.batchRows, FIRST_BATCH_ROWS);
  let next = read(range.cursor, limit);
  for (;;) {
    if (options.signal?.aborted) throw abortError(options.signal);
    const rows = await next;
    if (rows.length === 0) return;
    const cursor = rows[rows.length - 1].slice(0, table.key.length) as KeyTuple;
    let bytes = 0;
    for (const row of rows) for (const value of row) bytes += value === null ? 1 : value.length + 1;
    const more = rows.length >= limit;
    limit = Math.max(1, Math.min(options.batchRows, Math.floor(options.batchBytes / Math.max(1, bytes / rows.length))));
    // the next batch is read while this one is written: source and target work side by side (two batches in memory)
    next = more ? read(cursor, limit) : Promise.resolve([]);
    const batch = await writeRows(table, sides.target, insert, rows, options);
    await options.onBatch({ ...batch, read: rows.length, bytes, cursor });
    await options.limiter.take(rows.length, options.signal);
  }
}

/** Every column as text (key columns first): text travels and casts back the same way on both engines. */
async function readBatch(
  table: CopyTable,
  source: postgres.Sql,
  scope: CopyScope,
  range: { lower: KeyTuple | null; upper: KeyTuple | null },
  cursor: KeyTuple | null,
  limit: number,
  statementTimeoutMs: number,
): Promise<(string | null)[][]> {
  const params: (string | string[])[] = [];
  const key = keyRow(table.key, table.sourceDialect);
  const keyParams = (tuple: KeyTuple) => {
    const first = params.length + 1;
    params.push(...tuple);
    return paramRow(table.key, table.sourceDialect, first);
  };
  const where: string[] = [];
  if (cursor) where.push(`${key} > ${keyParams(cursor)}`);
  else if (range.lower) where.push(`${key} >= ${keyParams(range.lower)}`);
  if (range.upper) where.push(`${key} < ${keyParams(range.upper)}`);
  if (scope.kind === "range") {
    if (scope.from) where.push(`${key} >= ${keyParams(scope.from)}`);
    if (scope.to) where.push(`${key} <= ${keyParams(scope.to)}`);
  } else if (scope.kind === "users") {
    params.push(scope.ids);
    where.push(`(${quoteIdent(scope.column)})::text = any($${params.length}::text[])`);
  }
  // order by the qualified columns: a bare name would be the `::text` output column of the same name
  const query =
    `select ${table.columns.map((c) => `(${quoteIdent(c.name)})::text`).join(", ")} from ${table.relation}` +
    ` where ${where.length ? where.join(" and ") : "true"} order by ${keyOrder(table.key, table.sourceDialect, `${table.relation}.`)} limit ${Math.trunc(limit)}`;
  return source.begin("read only", async (tx) => {
    // ISO dates: the text of a date or timestamp must read back the same on the target whatever its DateStyle
    const extra = table.sourceDialect === "postgres" ? "; set local datestyle = 'ISO, YMD'; set local jit = off" : "";
    await tx.unsafe(`set local statement_timeout = ${Math.trunc(statementTimeoutMs)}${extra}`).simple();
    return (await tx.unsafe(query, params as never[]).values()) as unknown as (string | null)[][];
  }) as Promise<(string | null)[][]>;
}

/** One statement per batch: each column travels as one text[] parameter, unnested and cast to the target's type. */
function insertStatement(table: CopyTable): string {
  const alias = (i: number) => `"c${i}"`;
  return (
    `insert into ${table.relation} (${table.columns.map((c) => quoteIdent(c.name)).join(", ")})` +
    ` select ${table.columns.map((c, i) => `cast(u.${alias(i)} as ${c.target.type})`).join(", ")}` +
    ` from unnest(${table.columns.map((_, i) => `$${i + 1}::text[]`).join(", ")}) as u(${table.columns.map((_, i) => alias(i)).join(", ")})` +
    ` on conflict (${table.key.map((c) => quoteIdent(c.name)).join(", ")}) do nothing`
  );
}

/**
 * Writes rows (retrying 40001 and waiting out an unreachable target). A batch the target refuses for a row's
 * sake is halved until the refused rows are alone; those are returned with the target's error.
 */
async function writeRows(
  table: CopyTable,
  target: postgres.Sql,
  insert: string,
  rows: (string | null)[][],
  options: CopyOptions,
): Promise<{ inserted: number; skipped: number; refused: RefusedRow[] }> {
  const columns = table.columns.map((_, i) => rows.map((r) => r[i]));
  try {
    const result = await withRetry(() => target.unsafe(insert, columns as never[]), { signal: options.signal, onRetry: options.onRetry });
    return { inserted: result.count, skipped: rows.length - result.count, refused: [] };
  } catch (error) {
    if (!isRowRefusal(error)) throw error;
    if (rows.length === 1) return { inserted: 0, skipped: 0, refused: [refusedRow(table, rows[0], error)] };
    const half = Math.ceil(rows.length / 2);
    const a = await writeRows(table, target, insert, rows.slice(0, half), options);
    const b = await writeRows(table, target, insert, rows.slice(half), options);
    return { inserted: a.inserted + b.inserted, skipped: a.skipped + b.skipped, refused: [...a.refused, ...b.refused] };
  }
}

function refusedRow(table: CopyTable, row: (string | null)[], error: unknown): RefusedRow {
  const cut = (v: string | null) => (v !== null && v.length > SET_ASIDE_VALUE_CHARS ? `${v.slice(0, SET_ASIDE_VALUE_CHARS)}…` : v);
  return {
    key: Object.fromEntries(table.key.map((c, i) => [c.name, row[i] as string])),
    row: Object.fromEntries(table.columns.map((c, i) => [c.name, cut(row[i])])),
    sqlstate: sqlState(error),
    error: error instanceof Error ? error.message : String(error),
  };
}
