import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond } from "~/api/answer.server";
import { cancelBackfillAnswer } from "~/api/backfills.server";

export async function loader() {
  return methodNotAllowed("Use POST to cancel a backfill.");
}

/** POST /api/v1/backfills/:id/cancel: workers stop within about a second (audited). */
export async function action({ request, params }: ActionFunctionArgs) {
  return respond(cancelBackfillAnswer(request.headers.get("authorization"), params.id ?? ""));
}
