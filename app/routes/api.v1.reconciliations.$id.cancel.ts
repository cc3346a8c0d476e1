import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getReconciliationJob, requestCancel } from "~/models/reconciliation.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError } from "~/utils/api.server";

export async function loader() {
  return apiError(405, "Use POST to cancel a reconciliation.", undefined, { Allow: "POST" });
}

/** POST /api/v1/reconciliations/:id/cancel: workers stop within about a second. */
export async function action({ request, params }: ActionFunctionArgs) {
  const caller = await requireApiToken(request, "reconciliations:write");
  const id = params.id ?? "";
  if (!(await getReconciliationJob(id))) return apiError(404, "No such reconciliation.");
  const job = await requestCancel(id, caller.actor);
  if (!job) return apiError(409, "The reconciliation has already finished.");
  return json({ id, status: job.status === "queued" ? "cancelled" : "cancelling" }, { status: 202 });
}
