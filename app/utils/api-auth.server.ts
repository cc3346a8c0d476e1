import type { Actor } from "~/models/audit.server";
import { findActiveToken, type ApiScope } from "~/models/api-token.server";
import { apiError } from "./api.server";

export interface ApiCaller {
  tokenId: string;
  name: string;
  scopes: string[];
  actor: Actor;
}

/** `Authorization: Bearer <token>` with the scope: 401 without a valid token, 403 without the scope. */
export async function requireApiToken(request: Request, scope: ApiScope): Promise<ApiCaller> {
  const header = request.headers.get("authorization") ?? "";
  const match = /^Bearer\s+(\S+)$/i.exec(header);
  if (!match) {
    throw apiError(401, "Missing bearer token: send `Authorization: Bearer <token>`.", undefined, { "WWW-Authenticate": "Bearer" });
  }
  const token = await findActiveToken(match[1]);
  if (!token) throw apiError(401, "Unknown or revoked token.", undefined, { "WWW-Authenticate": "Bearer" });
  if (!token.scopes.includes(scope)) throw apiError(403, `This token lacks the scope ${scope}.`);
  return { tokenId: token.id, name: token.name, scopes: token.scopes, actor: { type: "token", id: token.id, label: `token:${token.name}` } };
}
