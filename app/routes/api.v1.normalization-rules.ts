import type { LoaderFunctionArgs } from "@remix-run/node";
import { createHash } from "node:crypto";
import { listActiveRules } from "~/models/normalization-rule.server";
import { authorizeApiToken } from "~/utils/api-auth.server";
import { answerResponse, answerUnlessUnavailable, type ApiAnswer } from "~/utils/api.server";

/**
 * GET /api/v1/normalization-rules: the active normalization rules `{ rules }`, exactly what ingestion and
 * reconciliation apply, so the application-side client compares with the same ones. Beside the ruleset, with its
 * own ETag (of the body: a rule change bumps no ruleset version); If-None-Match with it answers 304.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return answerResponse(await answerUnlessUnavailable(answer(request.headers.get("authorization"), request.headers.get("if-none-match"))));
}

async function answer(authorization: string | null, ifNoneMatch: string | null): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  const body = JSON.stringify({ rules: await listActiveRules() });
  const etag = `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`;
  const headers = { ETag: etag, "Cache-Control": "no-cache" };
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return { status: 304, headers, body: null };
  return { status: 200, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" }, body };
}
