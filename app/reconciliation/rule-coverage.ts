/**
 * Which active rules made a re-read row equal: the engine compares canonical texts under the rules inside the
 * databases (app/normalization/sql.ts); a row equal under them but not without them is "ignored by rule", and
 * the rule it is credited to is the one ingestion credits (compareRows of the shared normalization module, fed
 * the rule-free canonical texts), so a difference counts against the same rule wherever it is seen.
 */
import { compareRows } from "../normalization/compare";
import { columnFamily, type SqlColumn } from "../normalization/sql";
import { NO_RULES, type ColumnRules, type ColumnType } from "../normalization/types";

/** Any rule in force for the column (ignore_column included). */
export function hasRules(rules: ColumnRules): boolean {
  return rules !== NO_RULES && Object.values(rules).some((r) => r !== null);
}

/** The type hint under which a rule-free canonical text reads back as the value it came from. */
export function canonicalColumnType(column: SqlColumn): ColumnType {
  const family = columnFamily(column);
  switch (family) {
    case "integer":
    case "numeric":
    case "float":
    case "timestamptz":
    case "timestamp":
    case "date":
    case "uuid":
      return family;
    case "json":
    case "jsonb":
    case "array":
      return "json";
    default:
      return "text";
  }
}

export interface RuledColumns {
  table: string;
  names: string[];
  types: ColumnType[];
  rules: Map<string, ColumnRules>;
}

/**
 * The rule ids that make two rows' ruled columns equal (one per differing column), [] when they are equal
 * without rules, or null when a difference remains under the rules (the row changed since it was read).
 */
export function coveringRules(columns: RuledColumns, source: (string | null)[], target: (string | null)[]): string[] | null {
  const a: Record<string, string | null> = {};
  const b: Record<string, string | null> = {};
  const columnTypes: Record<string, ColumnType> = {};
  columns.names.forEach((name, i) => {
    a[name] = source[i];
    b[name] = target[i];
    columnTypes[name] = columns.types[i];
  });
  const result = compareRows(columns.table, a, b, (_, column) => columns.rules.get(column) ?? NO_RULES, new Date(), { columnTypes, fieldsOnly: true });
  if (!result.equal) return null;
  return [...new Set(result.ignored.map((i) => i.ruleId))];
}
