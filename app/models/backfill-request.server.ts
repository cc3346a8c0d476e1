import type { BackfillRequest } from "../backfill/request";
import { describeCopyTable } from "../backfill/table";
import type { BackfillScope } from "../backfill/types";
import { splitTableName } from "../reconciliation/request";
import { checkCohortScope } from "./reconciliation-cohort.server";
import { guardReconciliationTable } from "./schema-guard.server";
import { redactError, sideSql } from "~/utils/databases.server";

export type BackfillCheck =
  { ok: true; schemaName: string; tableName: string; scope: BackfillScope } | { ok: false; status: 400 | 502; errors: Record<string, string[]> };

/**
 * Whether a request can be backfilled, checked against both catalogs before a job exists: an application
 * table on both sides with a primary key and the same columns, and a scope whose columns and cohort exist.
 */
export async function checkBackfillRequest(body: BackfillRequest): Promise<BackfillCheck> {
  const { schemaName, tableName } = splitTableName(body.table);
  // The reconciliation's guard: system catalogs, schemas outside the admins' allow-list and the control DB are refused.
  const guard = await guardReconciliationTable({ schemaName, tableName });
  if (!guard.ok) return { ok: false, status: 400, errors: { table: [guard.message] } };
  let described: Awaited<ReturnType<typeof describeCopyTable>>;
  try {
    described = await describeCopyTable(sideSql("source"), sideSql("target"), schemaName, tableName);
  } catch (error) {
    return { ok: false, status: 502, errors: { table: [`could not read the catalogs: ${redactError(error)}`] } };
  }
  if (!described.table) return { ok: false, status: 400, errors: { table: described.problems } };
  const scope = body.scope;
  if (scope.kind === "cohort") {
    const check = await checkCohortScope(schemaName, tableName, scope);
    if (!check.ok) return { ok: false, status: 400, errors: { scope: [`${check.field}: ${check.message}`] } };
  } else if (scope.kind === "users" && !described.table.columns.some((c) => c.name === scope.column)) {
    return { ok: false, status: 400, errors: { scope: [`column: ${schemaName}.${tableName} has no column ${scope.column}`] } };
  } else if (scope.kind === "range") {
    const width = described.table.key.length;
    for (const end of ["from", "to"] as const) {
      if (scope[end] && scope[end]!.length !== width) return { ok: false, status: 400, errors: { scope: [`${end}: the key has ${width} column(s)`] } };
    }
  }
  return { ok: true, schemaName, tableName, scope };
}
