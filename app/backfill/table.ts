import type postgres from "postgres";
import { describeBothSides, type CatalogColumn, type ComparablePlan } from "../reconciliation/catalog";
import { qualifiedName, type Dialect } from "../reconciliation/dialect";

/** What a copy needs of a table: every column on both sides (key first), from the catalogs. */
export interface CopyTable {
  label: string;
  /** Quoted, schema-qualified name built from the catalog. */
  relation: string;
  /** Key columns as the source describes them (keyset order, parameter casts). */
  key: CatalogColumn[];
  columns: { name: string; source: CatalogColumn; target: CatalogColumn }[];
  sourceDialect: Dialect;
  targetDialect: Dialect;
}

/**
 * Why a table cannot be backfilled, in words for a 400: missing on a side (named), no primary key (a copy
 * resumes by key and uses it as the ON CONFLICT target), or columns that differ between the sides (listed;
 * a copy of the common columns would leave the target's rows incomplete).
 */
export function copyProblems(plan: ComparablePlan, label: string): string[] {
  const problems: string[] = [];
  for (const d of plan.drift) {
    if (d.kind === "missing_table") problems.push(d.message);
    else if (d.kind === "no_primary_key") {
      problems.push(
        `table ${label} has no primary key on the ${d.side}: a backfill needs one to resume safely (its checkpoints are key positions) and as the ON CONFLICT target that keeps rows already on the target`,
      );
    } else if (d.kind === "primary_key_differs") problems.push(d.message);
  }
  const columns = plan.drift.filter((d) => d.kind === "column_missing" || d.kind === "column_type_differs");
  if (columns.length) problems.push(`columns differ between source and target: ${columns.map((d) => d.message.replace(/^column /, "")).join("; ")}`);
  return problems;
}

export async function describeCopyTable(
  source: postgres.Sql,
  target: postgres.Sql,
  schema: string,
  table: string,
): Promise<{ table: CopyTable | null; problems: string[] }> {
  const { sourceDialect, targetDialect, plan } = await describeBothSides(source, target, schema, table);
  const label = `${schema}.${table}`;
  const problems = copyProblems(plan, label);
  if (problems.length || !plan.source || !plan.target) return { table: null, problems };
  const key = plan.primaryKey.map((k) => plan.columns.find((c) => c.name === k)!.source);
  return { table: { label, relation: qualifiedName(schema, table), key, columns: plan.columns, sourceDialect, targetDialect }, problems };
}
