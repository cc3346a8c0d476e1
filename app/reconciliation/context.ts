import { columnFamily } from "../normalization/sql";
import { NO_RULES, type ColumnRules } from "../normalization/types";
import { describeBothSides, type CatalogColumn, type SchemaDrift } from "./catalog";
import { qualifiedName, type Dialect } from "./dialect";
import { keyComparator, type KeyTuple } from "./keys";
import { DEFAULT_IN_FLIGHT_WINDOW_MS } from "./in-flight";
import { RowRateLimiter } from "./rate-limit";
import { hasRules } from "./rule-coverage";
import type { ReconcileOptions, ReconciliationScope } from "./types";
import type postgres from "postgres";

/*
 * The reconciliation context: both sides' clients and catalogs, the comparable columns and the options, read once
 * per job and passed to every later step (planning, checksums, streaming, re-reads).
 */

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
  options: Required<
    Pick<ReconcileOptions, "bucketCount" | "batchSize" | "concurrency" | "recheckDelayMs" | "inFlightWindowMs" | "statementTimeoutMs" | "denseThreshold">
  > &
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
export const MAX_BUCKET_ROWS = 4_000;

/** Aliases for canonical values in generated SQL; a space makes a clash with a real column name unlikely. */
export const canonAlias = (i: number) => `"cutover c${i}"`;

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
    drift.push({
      kind: "column_missing",
      side: "both",
      column: scope.column,
      blocking: true,
      message: `user column ${scope.column} is not a column of ${schema}.${options.table} on both sides`,
    });
  }
  const owner = options.ownerColumn ? plan.columns.find((c) => c.name === options.ownerColumn) : null;
  if (options.ownerColumn && !owner) {
    drift.push({
      kind: "column_missing",
      side: "both",
      column: options.ownerColumn,
      blocking: true,
      message: `owner column ${options.ownerColumn} is not a column of ${schema}.${options.table} on both sides`,
    });
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
  const keyOf = (side: "source" | "target") => plan.primaryKey.map((k) => plan.columns.find((c) => c.name === k)![side]);
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
