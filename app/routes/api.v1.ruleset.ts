import type { LoaderFunctionArgs } from "@remix-run/node";
import { getServedRuleset } from "~/models/ruleset.server";
import { requireApiToken } from "~/utils/api-auth.server";

/**
 * GET /api/v1/ruleset: the whole ruleset (exactly the Ruleset type) for local evaluation, with an ETag;
 * If-None-Match with the current ETag answers 304 without a body (clients poll this).
 */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireApiToken(request, "assignments:read");
  const served = await getServedRuleset();
  const headers = { ETag: served.etag, "Cache-Control": "no-cache" };
  const ifNoneMatch = request.headers.get("if-none-match");
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === served.etag)) {
    return new Response(null, { status: 304, headers });
  }
  return new Response(served.body, { status: 200, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" } });
}
