import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { backfillSummary, getBackfillJob } from "~/models/backfill.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError } from "~/utils/api.server";

/** GET /api/v1/backfills/:id -> `{ status, progress, copied, skippedExisting, setAside, rounds, remaining, ... }`. */
export async function loader({ request, params }: LoaderFunctionArgs) {
  await requireApiToken(request, "backfills:write");
  // an id of the wrong shape is simply not found (getBackfillJob never sends it to the database)
  const job = await getBackfillJob(params.id ?? "");
  if (!job) return apiError(404, "No such backfill.");
  return json(backfillSummary(job));
}
