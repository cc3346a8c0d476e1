import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { countsOf, expectedOf, getReconciliationJob, progressOf } from "~/models/reconciliation.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError } from "~/utils/api.server";

/** GET /api/v1/reconciliations/:id -> `{ id, status, progress: {...}, counts: {...} }`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireApiToken(request, "reconciliations:write");
  const job = await getReconciliationJob(params.id ?? "");
  if (!job) return apiError(404, "No such reconciliation.");
  return json({
    id: job.id,
    table: `${job.schemaName}.${job.tableName}`,
    mode: job.mode,
    status: job.status,
    progress: progressOf(job),
    counts: countsOf(job),
    /** not mismatches: rows a rule covers (per rule id), rows not expected on the target yet */
    expected: expectedOf(job),
    drift: job.drift,
    error: job.error,
  });
}
