import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getBoss } from "~/jobs/boss.server";
import { dispatchReconciliation } from "~/jobs/reconciliation.server";
import { createReconciliationJob } from "~/models/reconciliation.server";
import { reconciliationRequestSchema, splitTableName } from "~/reconciliation/request";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError, readJsonBody } from "~/utils/api.server";

export async function loader() {
  return apiError(405, "Use POST to start a reconciliation.", undefined, { Allow: "POST" });
}

/** POST /api/v1/reconciliations `{ table, scope?, mode, rowsPerSecond?, concurrency? }` -> 202 `{ id }`. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return apiError(405, "Use POST to start a reconciliation.", undefined, { Allow: "POST" });
  const caller = await requireApiToken(request, "reconciliations:write");
  const parsed = reconciliationRequestSchema.safeParse(await readJsonBody(request, 4 * 1024 * 1024));
  if (!parsed.success) return apiError(400, "Invalid reconciliation request.", { errors: parsed.error.flatten().fieldErrors });
  const body = parsed.data;
  // Repairs write to the target: they start from the UI, after an engineer has seen the dry run.
  if (body.mode === "repair") return apiError(400, "Repair jobs start from the reconciliation page after a dry run; use mode verify here.");
  const id = await createReconciliationJob(
    { ...splitTableName(body.table), scope: body.scope, mode: body.mode, rowsPerSecond: body.rowsPerSecond ?? null, concurrency: body.concurrency, reason: body.reason },
    caller.actor,
  );
  await dispatchReconciliation(await getBoss(), id, body.concurrency);
  return json({ id }, { status: 202 });
}
