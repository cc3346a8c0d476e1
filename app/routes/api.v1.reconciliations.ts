import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond, webRequestBody } from "~/api/answer.server";
import { startReconciliationAnswer } from "~/api/reconciliations.server";

export async function loader() {
  return methodNotAllowed("Use POST to start a reconciliation.");
}

/** POST /api/v1/reconciliations -> 202 `{ id }` (app/api/reconciliations.server.ts). */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("Use POST to start a reconciliation.");
  return respond(startReconciliationAnswer(request.headers.get("authorization"), webRequestBody(request)));
}
