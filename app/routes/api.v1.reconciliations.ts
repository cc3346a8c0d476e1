import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getBoss } from "~/jobs/boss.server";
import { dispatchReconciliation } from "~/jobs/reconciliation.server";
import { createReconciliationJob } from "~/models/reconciliation.server";
import { checkCohortScope } from "~/models/reconciliation-cohort.server";
import { guardReconciliationTable } from "~/models/schema-guard.server";
import { resolveOwnerColumn } from "~/models/table-owner-column.server";
import { reconciliationRequestSchema, splitTableName } from "~/reconciliation/request";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError, readJsonBody } from "~/utils/api.server";

export async function loader() {
  return apiError(405, "Use POST to start a reconciliation.", undefined, { Allow: "POST" });
}

/**
 * POST /api/v1/reconciliations `{ table, scope?, mode, rowsPerSecond?, concurrency?, reason?, confirm?, ownerColumn?,
 * inFlightWindowMs? }` -> 202 `{ id }`.
 * scope: `{ kind: "table" }` (default), `{ kind: "range", from?, to? }`, `{ kind: "users", column, ids }` or
 * `{ kind: "cohort", cohortId, column }` (the cohort's users, resolved when the job is planned).
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return apiError(405, "Use POST to start a reconciliation.", undefined, { Allow: "POST" });
  const caller = await requireApiToken(request, "reconciliations:write");
  const parsed = reconciliationRequestSchema.safeParse(await readJsonBody(request, 4 * 1024 * 1024));
  if (!parsed.success) return apiError(400, "Invalid reconciliation request.", { errors: parsed.error.flatten().fieldErrors });
  const body = parsed.data;
  // Repair mode verifies the scope, then writes the differences it found to the target, re-verifies them and
  // marks their mismatches repaired: only on an explicit confirmation with a reason, all of it audited.
  if (body.mode === "repair" && (!body.confirm || !body.reason)) {
    return apiError(400, "A repair writes to the target: send confirm: true and a reason.", {
      errors: { ...(body.confirm ? {} : { confirm: ["must be true for mode repair"] }), ...(body.reason ? {} : { reason: ["required for mode repair"] }) },
    });
  }
  const { schemaName, tableName } = splitTableName(body.table);
  const guard = await guardReconciliationTable({ schemaName, tableName });
  if (!guard.ok) return apiError(400, guard.message, { errors: { table: [guard.message] } });
  if (body.scope.kind === "cohort") {
    const check = await checkCohortScope(schemaName, tableName, body.scope);
    if (!check.ok) return apiError(400, "Invalid reconciliation request.", { errors: { scope: [`${check.field}: ${check.message}`] } });
  }
  const owner = await resolveOwnerColumn(schemaName, tableName, body.ownerColumn);
  if (!owner.ok) return apiError(400, owner.message, { errors: { ownerColumn: [owner.message] } });
  const id = await createReconciliationJob(
    {
      schemaName,
      tableName,
      scope: body.scope,
      mode: body.mode,
      rowsPerSecond: body.rowsPerSecond ?? null,
      concurrency: body.concurrency,
      reason: body.reason,
      ownerColumn: owner.column,
      inFlightWindowMs: body.inFlightWindowMs,
    },
    caller.actor,
  );
  await dispatchReconciliation(await getBoss(), id, body.concurrency);
  return json({ id }, { status: 202 });
}
