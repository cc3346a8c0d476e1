import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getBackfillJob, requestBackfillCancel } from "~/models/backfill.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError } from "~/utils/api.server";

export async function loader() {
  return apiError(405, "Use POST to cancel a backfill.", undefined, { Allow: "POST" });
}

/** POST /api/v1/backfills/:id/cancel: workers stop within about a second (audited). */
export async function action({ request, params }: ActionFunctionArgs) {
  const caller = await requireApiToken(request, "backfills:write");
  const id = params.id ?? "";
  if (!(await getBackfillJob(id))) return apiError(404, "No such backfill.");
  const job = await requestBackfillCancel(id, caller.actor);
  if (!job) return apiError(409, "The backfill has already finished.");
  return json({ id, status: job.status === "queued" ? "cancelled" : "cancelling" }, { status: 202 });
}
