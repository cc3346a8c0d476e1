import type { LoaderFunctionArgs } from "@remix-run/node";
import { respond } from "~/api/answer.server";
import { rulesetAnswer } from "~/api/ruleset.server";

/** GET /api/v1/ruleset: the ruleset with an ETag (app/api/ruleset.server.ts). */
export async function loader({ request }: LoaderFunctionArgs) {
  return respond(rulesetAnswer(request.headers.get("authorization"), request.headers.get("if-none-match")));
}
