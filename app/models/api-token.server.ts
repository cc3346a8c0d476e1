import { createHash, randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { apiTokens } from "../../db/schema";
import type { ApiScope } from "~/auth/permissions";
import { controlDb } from "~/utils/db.server";

export type { ApiScope };

export function hashToken(token: string) {
  return createHash("sha256").update(token).digest("hex");
}

/** Creates a token; the plain value is returned once and never stored. */
export async function createApiToken(input: { name: string; scopes: ApiScope[]; createdBy: string | null; token?: string }) {
  const token = input.token ?? `cut_${randomBytes(24).toString("base64url")}`;
  const [row] = await controlDb()
    .insert(apiTokens)
    .values({ name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, 8), scopes: input.scopes, createdBy: input.createdBy })
    .returning({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, prefix: apiTokens.prefix });
  return { ...row, token };
}

export async function listApiTokens() {
  return controlDb()
    .select({
      id: apiTokens.id,
      name: apiTokens.name,
      prefix: apiTokens.prefix,
      scopes: apiTokens.scopes,
      createdAt: apiTokens.createdAt,
      lastUsedAt: apiTokens.lastUsedAt,
      revokedAt: apiTokens.revokedAt,
    })
    .from(apiTokens)
    .orderBy(desc(apiTokens.createdAt));
}

export async function revokeApiToken(id: string) {
  const [row] = await controlDb()
    .update(apiTokens)
    .set({ revokedAt: sql`now()` })
    .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
    .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix });
  return row;
}

// Token look-ups sit on the hot API path (assignments at thousands of requests per second), so a verified token
// is cached for a few seconds; revocation therefore takes effect within TOKEN_CACHE_MS on every process.
const TOKEN_CACHE_MS = 5_000;
const cache = new Map<string, { at: number; token: { id: string; name: string; scopes: string[] } | null }>();

export async function findActiveToken(token: string) {
  const hash = hashToken(token);
  const hit = cache.get(hash);
  if (hit && Date.now() - hit.at < TOKEN_CACHE_MS) return hit.token;
  const [row] = await controlDb()
    .select({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
  const found = row ? { id: row.id, name: row.name, scopes: row.scopes } : null;
  if (cache.size > 10_000) cache.clear();
  cache.set(hash, { at: Date.now(), token: found });
  if (row && (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > 60_000)) {
    await controlDb().update(apiTokens).set({ lastUsedAt: sql`now()` }).where(eq(apiTokens.id, row.id));
  }
  return found;
}
