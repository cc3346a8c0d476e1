import { backfillRequestSchema } from "~/backfill/request";
import { BACKFILL_DEFAULTS } from "~/backfill/types";
import { getBoss } from "~/jobs/boss.server";
import { dispatchBackfill } from "~/jobs/backfill.server";
import { checkBackfillRequest } from "~/models/backfill-request.server";
import { backfillSummary, createBackfillJob, getBackfillJob, requestBackfillCancel } from "~/models/backfill.server";
import { answerUnlessUnavailable, apiErrorAnswer, jsonAnswer, jsonBodyAnswer, type ApiAnswer, type RequestBody } from "./answer.server";
import { authorizeApiToken } from "./token-auth.server";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/**
 * POST /api/v1/backfills `{ table, scope?, rowsPerSecond?, batchRows?, reason }` -> 202 `{ id }`.
 * Refused with 400 before any job exists: a system schema, a table missing on a side, no primary key, columns
 * that differ between the sides, a scope column or cohort that does not exist.
 */
export function startBackfillAnswer(authorization: string | null, requestBody: RequestBody): Promise<ApiAnswer> {
  return answerUnlessUnavailable(start(authorization, requestBody));
}

async function start(authorization: string | null, requestBody: RequestBody): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "backfills:write");
  if ("denied" in auth) return auth.denied;
  const raw = await jsonBodyAnswer(requestBody, MAX_BODY_BYTES);
  if ("denied" in raw) return raw.denied;
  const parsed = backfillRequestSchema.safeParse(raw.value);
  if (!parsed.success) return apiErrorAnswer(400, "Invalid backfill request.", { errors: parsed.error.flatten().fieldErrors });
  const body = parsed.data;
  const check = await checkBackfillRequest(body);
  if (!check.ok) {
    const message =
      check.status === 400 ? `Cannot backfill ${body.table}: ${Object.values(check.errors).flat().join("; ")}` : "The catalogs could not be read.";
    return apiErrorAnswer(check.status, message, { errors: check.errors });
  }
  const workers = body.workers ?? BACKFILL_DEFAULTS.workers;
  const id = await createBackfillJob(
    {
      schemaName: check.schemaName,
      tableName: check.tableName,
      scope: check.scope,
      rowsPerSecond: body.rowsPerSecond ?? null,
      batchRows: body.batchRows,
      workers,
      maxRounds: body.maxRounds,
      reason: body.reason,
    },
    auth.caller.actor,
  );
  await dispatchBackfill(await getBoss(), id, workers);
  return jsonAnswer({ id }, 202);
}

/** GET /api/v1/backfills/:id -> `{ status, progress, copied, skippedExisting, setAside, rounds, remaining, ... }`. */
export function backfillAnswer(authorization: string | null, id: string): Promise<ApiAnswer> {
  return answerUnlessUnavailable(backfill(authorization, id));
}

async function backfill(authorization: string | null, id: string): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "backfills:write");
  if ("denied" in auth) return auth.denied;
  // an id of the wrong shape is simply not found (getBackfillJob never sends it to the database)
  const job = await getBackfillJob(id);
  if (!job) return apiErrorAnswer(404, "No such backfill.");
  return jsonAnswer(backfillSummary(job));
}

/** POST /api/v1/backfills/:id/cancel: workers stop within about a second (audited). */
export function cancelBackfillAnswer(authorization: string | null, id: string): Promise<ApiAnswer> {
  return answerUnlessUnavailable(cancel(authorization, id));
}

async function cancel(authorization: string | null, id: string): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "backfills:write");
  if ("denied" in auth) return auth.denied;
  if (!(await getBackfillJob(id))) return apiErrorAnswer(404, "No such backfill.");
  const job = await requestBackfillCancel(id, auth.caller.actor);
  if (!job) return apiErrorAnswer(409, "The backfill has already finished.");
  return jsonAnswer({ id, status: job.status === "queued" ? "cancelled" : "cancelling" }, 202);
}
