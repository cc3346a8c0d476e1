import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond, webRequestBody } from "~/api/answer.server";
import { assignmentBatchAnswer } from "~/api/assignments.server";

export async function loader() {
  return methodNotAllowed("Use POST with { users: [{ id, attributes }] }, or GET /api/v1/assignments/:userId.");
}

/** POST /api/v1/assignments `{ users: [{ id, attributes? }] }` (1..10,000) -> `{ rulesetVersion, assignments }`. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("Use POST.");
  return respond(assignmentBatchAnswer(request.headers.get("authorization"), webRequestBody(request)));
}
