import type { LoaderFunctionArgs } from "@remix-run/node";
import { respond } from "~/api/answer.server";
import { normalizationRulesAnswer } from "~/api/ruleset.server";

/** GET /api/v1/normalization-rules: the active rules with an ETag (app/api/ruleset.server.ts). */
export async function loader({ request }: LoaderFunctionArgs) {
  return respond(normalizationRulesAnswer(request.headers.get("authorization"), request.headers.get("if-none-match")));
}
