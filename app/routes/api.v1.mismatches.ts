import type { ActionFunctionArgs } from "@remix-run/node";
import { methodNotAllowed, respond, webRequestBody } from "~/api/answer.server";
import { mismatchReportAnswer } from "~/api/mismatches.server";

export async function loader() {
  return methodNotAllowed("Use POST to report mismatches.");
}

/** POST /api/v1/mismatches: app/api/mismatches.server.ts. */
export async function action({ request }: ActionFunctionArgs) {
  if (request.method !== "POST") return methodNotAllowed("Use POST to report mismatches.");
  return respond(mismatchReportAnswer(request.headers.get("authorization"), request.headers.get("idempotency-key"), webRequestBody(request)));
}
