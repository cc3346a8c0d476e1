import type { Actor } from "~/models/audit.server";
import { findActiveToken, type ApiScope } from "~/models/api-token.server";
import { answerResponse, apiErrorAnswer, type ApiAnswer } from "./answer.server";

export interface ApiCaller {
  tokenId: string;
  name: string;
  scopes: string[];
  actor: Actor;
}

const BEARER = /^Bearer\s+(\S+)$/i;

/**
 * Checks an `Authorization` header value for a bearer token with the scope: the caller, or the answer to give
 * instead (401 without a valid token, 403 without the scope). Every /api/v1 answer function starts with it.
 */
export async function authorizeApiToken(authorization: string | null | undefined, scope: ApiScope): Promise<{ caller: ApiCaller } | { denied: ApiAnswer }> {
  const match = BEARER.exec(authorization ?? "");
  if (!match) {
    return { denied: apiErrorAnswer(401, "Missing bearer token: send `Authorization: Bearer <token>`.", undefined, { "WWW-Authenticate": "Bearer" }) };
  }
  const token = await findActiveToken(match[1]);
  if (!token) return { denied: apiErrorAnswer(401, "Unknown or revoked token.", undefined, { "WWW-Authenticate": "Bearer" }) };
  if (!token.scopes.includes(scope)) return { denied: apiErrorAnswer(403, `This token lacks the scope ${scope}.`) };
  return { caller: { tokenId: token.id, name: token.name, scopes: token.scopes, actor: { type: "token", id: token.id, label: `token:${token.name}` } } };
}

/** `Authorization: Bearer <token>` with the scope, in a loader outside /api/v1 (metrics): throws the 401/403 Response. */
export async function requireApiToken(request: Request, scope: ApiScope): Promise<ApiCaller> {
  const result = await authorizeApiToken(request.headers.get("authorization"), scope);
  if ("denied" in result) throw answerResponse(result.denied);
  return result.caller;
}
