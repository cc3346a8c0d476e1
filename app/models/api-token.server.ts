import { randomBytes } from "node:crypto";
import { and, desc, eq, isNull, sql } from "drizzle-orm";
import { apiTokens } from "../../db/schema";
import type { ApiScope } from "~/auth/permissions";
import { listenControl } from "~/utils/control-notifications.server";
import { controlDb } from "~/utils/db.server";
import { hashToken } from "~/utils/password.server";
import { existingSingleton, singleton } from "~/utils/singleton.server";

export type { ApiScope };

export { hashToken };

/** Creates a token; the plain value is returned once and never stored. */
export async function createApiToken(input: { name: string; scopes: ApiScope[]; createdBy: string | null; token?: string }) {
  const token = input.token ?? `cut_${randomBytes(24).toString("base64url")}`;
  const [row] = await controlDb()
    .insert(apiTokens)
    .values({ name: input.name, tokenHash: hashToken(token), prefix: token.slice(0, 8), scopes: input.scopes, createdBy: input.createdBy })
    .returning({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, prefix: apiTokens.prefix });
  existingSingleton<TokenCache>(CACHE)?.entries.delete(hashToken(token)); // it may have been tried (and cached as unknown)
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

/** Revokes a token: at once in this process, by notification in the others (see findActiveToken). */
export async function revokeApiToken(id: string) {
  const row = await controlDb().transaction(async (tx) => {
    const [revoked] = await tx
      .update(apiTokens)
      .set({ revokedAt: sql`now()` })
      .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
      .returning({ id: apiTokens.id, name: apiTokens.name, prefix: apiTokens.prefix });
    if (revoked) await tx.execute(sql`select pg_notify(${CHANNEL}, ${revoked.id})`);
    return revoked;
  });
  const cache = existingSingleton<TokenCache>(CACHE);
  if (row && cache) forgetToken(row.id, cache);
  return row;
}

/*
 * Token verification sits on the hot API path, so verified tokens (and unknown ones, so a flood of bad tokens
 * cannot flood the DB) are cached per process, keyed by the token's sha256. An entry is fresh for FRESH_MS; up to
 * STALE_MS it is still used while one background query re-checks it (requests never wait on it), and beyond that
 * a request waits for the re-check. A revocation therefore takes effect at once in the process that revokes,
 * within a notification's delivery (milliseconds) in the others while their LISTEN connection is up, and at the
 * latest after STALE_MS in any process.
 */
const FRESH_MS = 5_000;
const STALE_MS = 10_000;
/** Past this many entries the unknown tokens are dropped (active tokens are few). */
const MAX_ENTRIES = 10_000;
/** last_used_at is shown in Settings to the minute: written at most this often, and never awaited by a request. */
const LAST_USED_EVERY_MS = 60_000;
const CHANNEL = "cutover_api_tokens";
const CACHE = "api-token-cache";

export interface ActiveToken {
  id: string;
  name: string;
  scopes: string[];
}

interface TokenCache {
  entries: Map<string, { token: ActiveToken | null; checkedAt: number }>;
  checks: Map<string, Promise<ActiveToken | null>>;
  /** Bumped by every revocation heard, so a check that started before it cannot store the revoked token. */
  revocations: number;
}

const tokenCache = () =>
  singleton<TokenCache>(CACHE, () => {
    const cache: TokenCache = { entries: new Map(), checks: new Map(), revocations: 0 };
    listenControl(CHANNEL, {
      onNotify: (id) => forgetToken(id, cache),
      // Revocations made while the connection was down went unheard: re-check every entry (in the background).
      onListen() {
        for (const entry of cache.entries.values()) entry.checkedAt = Math.min(entry.checkedAt, Date.now() - FRESH_MS);
      },
    }).catch((error: unknown) => process.stderr.write(`api token notifications: ${error instanceof Error ? error.message : String(error)}\n`));
    return cache;
  });

function forgetToken(id: string, cache: TokenCache) {
  cache.revocations++;
  for (const [hash, entry] of cache.entries) if (entry.token?.id === id) cache.entries.delete(hash);
}

async function lookUpToken(hash: string): Promise<ActiveToken | null> {
  const [row] = await controlDb()
    .select({ id: apiTokens.id, name: apiTokens.name, scopes: apiTokens.scopes, lastUsedAt: apiTokens.lastUsedAt })
    .from(apiTokens)
    .where(and(eq(apiTokens.tokenHash, hash), isNull(apiTokens.revokedAt)));
  if (!row) return null;
  if (!row.lastUsedAt || Date.now() - row.lastUsedAt.getTime() > LAST_USED_EVERY_MS) {
    controlDb()
      .update(apiTokens)
      .set({ lastUsedAt: sql`now()` })
      .where(eq(apiTokens.id, row.id))
      .catch((error: unknown) => process.stderr.write(`api token last_used_at: ${error instanceof Error ? error.message : String(error)}\n`));
  }
  return { id: row.id, name: row.name, scopes: row.scopes };
}

/** One query per token at a time, however many requests are waiting for it. */
function checkToken(cache: TokenCache, hash: string): Promise<ActiveToken | null> {
  let check = cache.checks.get(hash);
  if (!check) {
    const revocations = cache.revocations;
    check = lookUpToken(hash)
      .then((token) => {
        if (cache.revocations !== revocations && token) return token; // answer this request, but do not keep it
        if (cache.entries.size >= MAX_ENTRIES) for (const [key, entry] of cache.entries) if (!entry.token) cache.entries.delete(key);
        cache.entries.set(hash, { token, checkedAt: Date.now() });
        return token;
      })
      .finally(() => cache.checks.delete(hash));
    cache.checks.set(hash, check);
  }
  return check;
}

/** The active token with this plain value, or null (unknown or revoked). Cached: see above. */
export async function findActiveToken(token: string): Promise<ActiveToken | null> {
  const cache = tokenCache();
  const hash = hashToken(token);
  const entry = cache.entries.get(hash);
  if (entry) {
    const age = Date.now() - entry.checkedAt;
    if (age < FRESH_MS) return entry.token;
    if (age < STALE_MS) {
      checkToken(cache, hash).catch(() => {}); // a failed re-check leaves the entry to age out, then requests wait
      return entry.token;
    }
  }
  return checkToken(cache, hash);
}
