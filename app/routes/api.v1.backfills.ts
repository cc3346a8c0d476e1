import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { backfillRequestSchema } from "~/backfill/request";
import { getBoss } from "~/jobs/boss.server";
import { dispatchBackfill } from "~/jobs/backfill.server";
import { createBackfillJob } from "~/models/backfill.server";
import { checkBackfillRequest } from "~/models/backfill-request.server";
import { BACKFILL_DEFAULTS } from "~/backfill/types";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError, readJsonBody } from "~/utils/api.server";

export async function loader() {
  return apiError(405, "Use POST to start a backfill.", undefined, { Allow: "POST" });
}

/**
 * POST /api/v1/backfills `{ table, scope?, rowsPerSecond?, batchRows?, reason }` -> 202 `{ id }`.
 * Refused with 400 before any job exists: a system schema, a table missing on a side, no primary key, columns
 * that differ between the sides, a scope column or cohort that does not exist.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return apiError(405, "Use POST to start a backfill.", undefined, { Allow: "POST" });
  const caller = await requireApiToken(request, "backfills:write");
  const parsed = backfillRequestSchema.safeParse(await readJsonBody(request, 4 * 1024 * 1024));
  if (!parsed.success) return apiError(400, "Invalid backfill request.", { errors: parsed.error.flatten().fieldErrors });
  const body = parsed.data;
  const check = await checkBackfillRequest(body);
  if (!check.ok) return apiError(check.status, check.status === 400 ? `Cannot backfill ${body.table}: ${Object.values(check.errors).flat().join("; ")}` : "The catalogs could not be read.", { errors: check.errors });
  const workers = body.workers ?? BACKFILL_DEFAULTS.workers;
  const id = await createBackfillJob(
    { schemaName: check.schemaName, tableName: check.tableName, scope: check.scope, rowsPerSecond: body.rowsPerSecond ?? null, batchRows: body.batchRows, workers, maxRounds: body.maxRounds, reason: body.reason },
    caller.actor,
  );
  await dispatchBackfill(await getBoss(), id, workers);
  return json({ id }, { status: 202 });
}
