import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond, webRequestBody } from "~/api/answer.server";
import { startBackfillAnswer } from "~/api/backfills.server";

export async function loader() {
  return methodNotAllowed("Use POST to start a backfill.");
}

/** POST /api/v1/backfills -> 202 `{ id }` (app/api/backfills.server.ts). */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("Use POST to start a backfill.");
  return respond(startBackfillAnswer(request.headers.get("authorization"), webRequestBody(request)));
}
