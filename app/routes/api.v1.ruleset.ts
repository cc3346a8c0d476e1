import type { LoaderFunctionArgs } from "@remix-run/node";
import { getServedRuleset } from "~/models/ruleset.server";
import { authorizeApiToken } from "~/utils/api-auth.server";
import { answerResponse, answerUnlessUnavailable, type ApiAnswer } from "~/utils/api.server";

/**
 * GET /api/v1/ruleset: the whole ruleset (exactly the Ruleset type) for local evaluation, with an ETag;
 * If-None-Match with the current ETag answers 304 without a body (clients poll this).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return answerResponse(await rulesetAnswer(request.headers.get("authorization"), request.headers.get("if-none-match")));
}

/**
 * The answer from the request's Authorization and If-None-Match headers (also served by the fast path); 503 while
 * the control database cannot be reached (before the first load: later ones serve the cached ruleset).
 */
export function rulesetAnswer(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  return answerUnlessUnavailable(answer(authorization, ifNoneMatch));
}

async function answer(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  const served = await getServedRuleset();
  const headers = { ETag: served.etag, "Cache-Control": "no-cache" };
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === served.etag)) {
    return { status: 304, headers, body: null };
  }
  return { status: 200, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" }, body: served.body };
}
