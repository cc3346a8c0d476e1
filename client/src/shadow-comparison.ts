import { canonicalText, compareRows, type ColumnType, type NormalizationRule, type PrimaryKeyInput, type Row } from "../../app/normalization";
import type { MismatchReport } from "./mismatch-reporter";

export interface CompareSpec {
  /** The table the read returns rows of (rules are resolved per table and column). */
  table: string;
  /** Column(s) identifying a row; multi-row results are matched on them. Default "id". */
  primaryKey?: string | readonly string[];
  /** Normalization rules for this comparison, on top of the client's own `normalizationRules`. */
  rules?: readonly NormalizationRule[];
  /** Column types when the caller knows them (otherwise inferred from the JS values). */
  columnTypes?: Record<string, ColumnType>;
  /** Overrides the cohort's sampling rate for this call site (0..1). */
  sampleRate?: number;
}

export interface ShadowComparison {
  /** One per differing, missing or extra row; empty when the two reads agree under the rules. */
  mismatches: MismatchReport[];
}

/**
 * Compares what the two databases returned for one read: a row, null/undefined (no row) or an array of rows,
 * matched on the primary key. Uses the one shared normalization (compareRows), so the client, the server and the
 * reconciliation engine agree on what "equal" means.
 */
export function compareReadResults(
  source: unknown,
  target: unknown,
  spec: CompareSpec,
  context: { userId: string; cohort: string | null; rules: readonly NormalizationRule[]; now?: Date },
): ShadowComparison {
  const keyColumns = typeof spec.primaryKey === "string" ? [spec.primaryKey] : (spec.primaryKey ?? ["id"]);
  const sourceRows = keyRows(asRows(source), keyColumns);
  const targetRows = keyRows(asRows(target), keyColumns);
  const now = context.now ?? new Date();
  const mismatches: MismatchReport[] = [];
  const keys = new Set([...sourceRows.keys(), ...targetRows.keys()]);
  for (const key of keys) {
    const sourceRow = sourceRows.get(key)?.row ?? null;
    const targetRow = targetRows.get(key)?.row ?? null;
    const result = compareRows(spec.table, sourceRow, targetRow, context.rules, now, {
      columnTypes: spec.columnTypes,
    });
    if (result.equal || !result.kind) continue;
    mismatches.push({
      origin: "shadow_read",
      kind: result.kind,
      table: spec.table,
      primaryKey: (sourceRows.get(key) ?? targetRows.get(key))!.primaryKey,
      userId: context.userId,
      cohort: context.cohort,
      sourceValue: sourceRow,
      targetValue: targetRow,
      columns: result.differingFields,
    });
  }
  return { mismatches };
}

function asRows(result: unknown): Row[] {
  if (result === null || result === undefined) return [];
  if (Array.isArray(result)) return result.filter((r): r is Row => typeof r === "object" && r !== null);
  if (typeof result === "object") return [result as Row];
  // A scalar read (a count, a flag): compare it as a one-column row.
  return [{ value: result }];
}

/**
 * Rows by canonical key text, each with the key it is reported under: its key columns with their canonical values
 * (Cutover canonicalises them again with the catalog's types, to the same identity). Rows lacking the key columns
 * fall back to their position.
 */
function keyRows(rows: Row[], keyColumns: readonly string[]): Map<string, { row: Row; primaryKey: PrimaryKeyInput }> {
  const keyed = new Map<string, { row: Row; primaryKey: PrimaryKeyInput }>();
  rows.forEach((row, index) => {
    const hasKey = keyColumns.every((column) => column in row);
    if (!hasKey) {
      keyed.set(`#${index}`, { row, primaryKey: `#${index}` });
      return;
    }
    const primaryKey: Record<string, string> = {};
    for (const column of keyColumns) primaryKey[column] = canonicalText(row[column]) ?? "NULL";
    keyed.set(keyColumns.map((column) => primaryKey[column]).join(","), { row, primaryKey });
  });
  return keyed;
}
