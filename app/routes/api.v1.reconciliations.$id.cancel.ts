import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond } from "~/api/answer.server";
import { cancelReconciliationAnswer } from "~/api/reconciliations.server";

export async function loader() {
  return methodNotAllowed("Use POST to cancel a reconciliation.");
}

/** POST /api/v1/reconciliations/:id/cancel: workers stop within about a second. */
export async function action({ request, params }: ActionFunctionArgs) {
  return respond(cancelReconciliationAnswer(request.headers.get("authorization"), params.id ?? ""));
}
