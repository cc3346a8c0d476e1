import { createHash } from "node:crypto";
import { listActiveRules } from "~/models/normalization-rule.server";
import { getServedRuleset } from "~/rollout/served-ruleset.server";
import { answerUnlessUnavailable, type ApiAnswer } from "./answer.server";
import { authorizeApiToken } from "./token-auth.server";

/**
 * GET /api/v1/ruleset: the whole ruleset (exactly the Ruleset type) for local evaluation, with an ETag;
 * If-None-Match with the current ETag answers 304 without a body (clients poll this; also served by the fast
 * path). 503 before the first load while the control database cannot be reached; later ones serve the cache.
 */
export function rulesetAnswer(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  return answerUnlessUnavailable(ruleset(authorization, ifNoneMatch));
}

async function ruleset(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  const served = await getServedRuleset();
  return conditionalJson(served.body, served.etag, ifNoneMatch);
}

/**
 * GET /api/v1/normalization-rules: the active normalization rules `{ rules }`, exactly what ingestion and
 * reconciliation apply, so the application-side client compares with the same ones. Beside the ruleset, with its
 * own ETag (of the body: a rule change bumps no ruleset version).
 */
export function normalizationRulesAnswer(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  return answerUnlessUnavailable(normalizationRules(authorization, ifNoneMatch));
}

async function normalizationRules(authorization: string | null | undefined, ifNoneMatch: string | null | undefined): Promise<ApiAnswer> {
  const auth = await authorizeApiToken(authorization, "assignments:read");
  if ("denied" in auth) return auth.denied;
  const body = JSON.stringify({ rules: await listActiveRules() });
  return conditionalJson(body, `"${createHash("sha256").update(body).digest("base64url").slice(0, 22)}"`, ifNoneMatch);
}

/** A polled JSON body with its ETag: 304 without the body when If-None-Match names it. */
function conditionalJson(body: string, etag: string, ifNoneMatch: string | null | undefined): ApiAnswer {
  const headers = { ETag: etag, "Cache-Control": "no-cache" };
  if (ifNoneMatch && ifNoneMatch.split(",").some((tag) => tag.trim().replace(/^W\//, "") === etag)) return { status: 304, headers, body: null };
  return { status: 200, headers: { ...headers, "Content-Type": "application/json; charset=utf-8" }, body };
}
