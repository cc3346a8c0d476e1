import { MAX_BATCH_RECORDS, validateMismatchBatch } from "~/mismatches/contract";
import { stageMismatches } from "~/models/mismatch-stage.server";
import { listActiveRules } from "~/models/normalization-rule.server";
import { loadSensitiveMask } from "~/models/sensitive-mask.server";
import { answerUnlessUnavailable, apiErrorAnswer, jsonAnswer, jsonBodyAnswer, type ApiAnswer, type RequestBody } from "./answer.server";
import { authorizeApiToken } from "./token-auth.server";

// 5,000 records with row-sized source and target values fit comfortably; anything larger is refused unread.
export const MAX_BODY_BYTES = 16 * 1024 * 1024;
const MAX_IDEMPOTENCY_KEY = 200;

/**
 * POST /api/v1/mismatches `{ mismatches: [...], comparisons: [...] }` (fields in the README), from the request's
 * Authorization and Idempotency-Key headers and its body (also served by the fast path). The batch is validated
 * whole: one bad record -> 400 with every bad record's index, field and reason, and nothing written. A clean
 * batch is staged durably in the inbox and answered 202: the worker folds it into the records within about a
 * second, so whether a record is new or a repeat is not known yet when this answers.
 */
export function mismatchReportAnswer(
  authorization: string | null | undefined,
  idempotencyKey: string | null | undefined,
  requestBody: RequestBody,
): Promise<ApiAnswer> {
  return answerUnlessUnavailable(reportAnswer(authorization, idempotencyKey, requestBody));
}

async function reportAnswer(authorization: string | null | undefined, idempotencyKey: string | null | undefined, requestBody: RequestBody): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "mismatches:write");
  if ("denied" in auth) return auth.denied;
  if (idempotencyKey != null && (idempotencyKey.length === 0 || idempotencyKey.length > MAX_IDEMPOTENCY_KEY)) {
    return apiErrorAnswer(400, `Idempotency-Key must be 1..${MAX_IDEMPOTENCY_KEY} characters.`);
  }
  // The rules before the body: from parsing to staging nothing waits, so no parsed batch sits in the heap while
  // others are handled (young-generation GCs copy whatever is alive, and several batches are in flight at once).
  const now = new Date();
  const [rules, sensitive] = await Promise.all([listActiveRules(now), loadSensitiveMask()]);
  const parsed = await jsonBodyAnswer(requestBody, MAX_BODY_BYTES);
  if ("denied" in parsed) return parsed.denied;
  const body = parsed.value;
  const records = (body as { mismatches?: unknown } | null)?.mismatches;
  if (Array.isArray(records) && records.length > MAX_BATCH_RECORDS) {
    return apiErrorAnswer(413, `Too many records: ${records.length}, at most ${MAX_BATCH_RECORDS} per request.`);
  }
  const validation = validateMismatchBatch(body);
  if (!validation.ok) {
    return apiErrorAnswer(400, "The batch was rejected as a whole; nothing was written.", { errors: validation.errors });
  }
  const result = await stageMismatches(validation.batch, {
    now,
    rules,
    sensitive,
    // Keys are scoped to the token, so two callers can never replay each other's answers.
    idempotencyKey: idempotencyKey ? `${auth.caller.tokenId}:${idempotencyKey}` : null,
  });
  return jsonAnswer(result, 202);
}
