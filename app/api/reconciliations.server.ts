import { getBoss } from "~/jobs/boss.server";
import { dispatchReconciliation } from "~/jobs/reconciliation.server";
import type { Actor } from "~/models/audit.server";
import { waitingForDatabase } from "~/models/job-interruption.server";
import { checkCohortScope } from "~/models/reconciliation-cohort.server";
import { countsOf, createReconciliationJob, expectedOf, getReconciliationJob, progressOf, requestCancel } from "~/models/reconciliation.server";
import { guardReconciliationTable } from "~/models/schema-guard.server";
import { resolveOwnerColumn } from "~/models/table-owner-column.server";
import { reconciliationRequestSchema, splitTableName, type ReconciliationRequest } from "~/reconciliation/request";
import { answerUnlessUnavailable, apiErrorAnswer, jsonAnswer, jsonBodyAnswer, type ApiAnswer, type RequestBody } from "./answer.server";
import { authorizeApiToken } from "./token-auth.server";

const MAX_BODY_BYTES = 4 * 1024 * 1024;

/** Why a start was refused, by request field (a cohort scope's own fields as `scope.cohortId`, `scope.column`). */
export type StartRefusal = { ok: false; message: string; errors: Record<string, string[]> };

/**
 * Starts a reconciliation: the one path of the API and the reconciliation page. Checks the table on both sides,
 * a cohort scope and the owner column, then records the job (audited) and hands it to the workers.
 */
export async function startReconciliation(input: ReconciliationRequest, actor: Actor): Promise<{ ok: true; id: string } | StartRefusal> {
  // Repair mode verifies the scope, then writes the differences it found to the target, re-verifies them and
  // marks their mismatches repaired: only on an explicit confirmation with a reason, all of it audited.
  if (input.mode === "repair" && (!input.confirm || !input.reason)) {
    return {
      ok: false,
      message: "A repair writes to the target: send confirm: true and a reason.",
      errors: { ...(input.confirm ? {} : { confirm: ["must be true for mode repair"] }), ...(input.reason ? {} : { reason: ["required for mode repair"] }) },
    };
  }
  const { schemaName, tableName } = splitTableName(input.table);
  const guard = await guardReconciliationTable({ schemaName, tableName });
  if (!guard.ok) return { ok: false, message: guard.message, errors: { table: [guard.message] } };
  if (input.scope.kind === "cohort") {
    const check = await checkCohortScope(schemaName, tableName, input.scope);
    if (!check.ok) return { ok: false, message: "Invalid reconciliation request.", errors: { [`scope.${check.field}`]: [check.message] } };
  }
  const owner = await resolveOwnerColumn(schemaName, tableName, input.ownerColumn);
  if (!owner.ok) return { ok: false, message: owner.message, errors: { ownerColumn: [owner.message] } };
  const id = await createReconciliationJob(
    {
      schemaName,
      tableName,
      scope: input.scope,
      mode: input.mode,
      rowsPerSecond: input.rowsPerSecond ?? null,
      concurrency: input.concurrency,
      reason: input.reason,
      ownerColumn: owner.column,
      inFlightWindowMs: input.inFlightWindowMs,
    },
    actor,
  );
  await dispatchReconciliation(await getBoss(), id, input.concurrency);
  return { ok: true, id };
}

/**
 * POST /api/v1/reconciliations `{ table, scope?, mode, rowsPerSecond?, concurrency?, reason?, confirm?, ownerColumn?,
 * inFlightWindowMs? }` -> 202 `{ id }`.
 * scope: `{ kind: "table" }` (default), `{ kind: "range", from?, to? }`, `{ kind: "users", column, ids }` or
 * `{ kind: "cohort", cohortId, column }` (the cohort's users, resolved when the job is planned).
 */
export function startReconciliationAnswer(authorization: string | null, requestBody: RequestBody): Promise<ApiAnswer> {
  return answerUnlessUnavailable(start(authorization, requestBody));
}

async function start(authorization: string | null, requestBody: RequestBody): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "reconciliations:write");
  if ("denied" in auth) return auth.denied;
  const body = await jsonBodyAnswer(requestBody, MAX_BODY_BYTES);
  if ("denied" in body) return body.denied;
  const parsed = reconciliationRequestSchema.safeParse(body.value);
  if (!parsed.success) return apiErrorAnswer(400, "Invalid reconciliation request.", { errors: parsed.error.flatten().fieldErrors });
  const started = await startReconciliation(parsed.data, auth.caller.actor);
  if (!started.ok) return apiErrorAnswer(400, started.message, { errors: apiFieldErrors(started.errors) });
  return jsonAnswer({ id: started.id }, 202);
}

/** The API names a cohort scope's problem under `scope` as `field: message`. */
function apiFieldErrors(errors: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(errors)) {
    const [key, inner] = field.startsWith("scope.") ? ["scope", field.slice("scope.".length)] : [field, null];
    (out[key] ??= []).push(...messages.map((m) => (inner ? `${inner}: ${m}` : m)));
  }
  return out;
}

/** GET /api/v1/reconciliations/:id -> `{ id, status, progress: {...}, counts: {...} }`. */
export function reconciliationAnswer(authorization: string | null, id: string): Promise<ApiAnswer> {
  return answerUnlessUnavailable(reconciliation(authorization, id));
}

async function reconciliation(authorization: string | null, id: string): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "reconciliations:write");
  if ("denied" in auth) return auth.denied;
  const job = await getReconciliationJob(id);
  if (!job) return apiErrorAnswer(404, "No such reconciliation.");
  return jsonAnswer({
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
    /** while it is under way: since when it waits for a database it lost, and the error it met (null when not) */
    waitingForDatabase: waitingForDatabase("reconciliation", job),
  });
}

/** POST /api/v1/reconciliations/:id/cancel: workers stop within about a second. */
export function cancelReconciliationAnswer(authorization: string | null, id: string): Promise<ApiAnswer> {
  return answerUnlessUnavailable(cancel(authorization, id));
}

async function cancel(authorization: string | null, id: string): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "reconciliations:write");
  if ("denied" in auth) return auth.denied;
  if (!(await getReconciliationJob(id))) return apiErrorAnswer(404, "No such reconciliation.");
  const job = await requestCancel(id, auth.caller.actor);
  if (!job) return apiErrorAnswer(409, "The reconciliation has already finished.");
  return jsonAnswer({ id, status: job.status === "queued" ? "cancelled" : "cancelling" }, 202);
}
