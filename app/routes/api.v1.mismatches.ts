import type { ActionFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { stageMismatches } from "~/models/mismatch-ingest.server";
import { MAX_BATCH_RECORDS, validateMismatchBatch } from "~/models/mismatch-validation.server";
import { requireApiToken } from "~/utils/api-auth.server";
import { apiError, readJsonBody } from "~/utils/api.server";

// 5,000 records with row-sized source and target values fit comfortably; anything larger is refused unread.
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_IDEMPOTENCY_KEY = 200;

export async function loader() {
  return apiError(405, "Use POST to report mismatches.", undefined, { Allow: "POST" });
}

/**
 * POST /api/v1/mismatches `{ mismatches: [...], comparisons: [...] }` (fields in the README). The batch is
 * validated whole: one bad record -> 400 with every bad record's index, field and reason, and nothing written.
 * A clean batch is staged durably in the inbox and answered 202: the worker folds it into the records within
 * about a second, so whether a record is new or a repeat is not known yet when this answers.
 */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return apiError(405, "Use POST to report mismatches.", undefined, { Allow: "POST" });
  const caller = await requireApiToken(request, "mismatches:write");
  const idempotencyKey = request.headers.get("idempotency-key");
  if (idempotencyKey !== null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    return apiError(400, `Idempotency-Key must be 1..${MAX_IDEMPOTENCY_KEY} characters.`);
  }
  const body = await readJsonBody(request, MAX_BODY_BYTES);
  const records = (body as { mismatches?: unknown } | null)?.mismatches;
  if (Array.isArray(records) && records.length > MAX_BATCH_RECORDS) {
    return apiError(413, `Too many records: ${records.length}, at most ${MAX_BATCH_RECORDS} per request.`);
  }
  const validation = validateMismatchBatch(body);
  if (!validation.ok) {
    return apiError(400, "The batch was rejected as a whole; nothing was written.", { errors: validation.errors });
  }
  const result = await stageMismatches(validation.batch, {
    // Keys are scoped to the token, so two callers can never replay each other's answers.
    idempotencyKey: idempotencyKey ? `${caller.tokenId}:${idempotencyKey}` : null,
  });
  return json(result, { status: 202 });
}
