import { quoteIdent } from "./dialect";
import { keyRow, paramRow, type KeyTuple } from "./keys";
import type { ReconcileContext, Side } from "./context";

/* Generated statements: positional parameters, the read-only transaction they run in, and key predicates. */

/** Positional parameters for one generated statement. */
export class Params {
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
export async function readOnly<T extends readonly unknown[]>(
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
    const extra =
      side.dialect === "postgres"
        ? `; set local jit = off; set local datestyle = 'ISO, YMD'; set local timezone = 'UTC'; set local extra_float_digits = 1; set local bytea_output = 'hex'${postgresSettings}`
        : "";
    await tx.unsafe(`set local statement_timeout = ${Math.trunc(ctx.options.statementTimeoutMs)}${extra}`).simple();
    return (await tx.unsafe(query, params.values as never[]).values()) as unknown as T[];
  }) as Promise<T[]>;
}

export function scopePredicate(ctx: ReconcileContext, side: Side, params: Params): string {
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

export function rangePredicate(side: Side, lower: KeyTuple | null, upper: KeyTuple | null, params: Params, lowerExclusive = false): string {
  const parts: string[] = [];
  if (lower) parts.push(`${keyRow(side.key, side.dialect)} ${lowerExclusive ? ">" : ">="} ${params.keyRow(side, lower)}`);
  if (upper) parts.push(`${keyRow(side.key, side.dialect)} < ${params.keyRow(side, upper)}`);
  return parts.length ? parts.join(" and ") : "true";
}
