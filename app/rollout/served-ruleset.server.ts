import { createHash } from "node:crypto";
import { eq } from "drizzle-orm";
import { rolloutState } from "../../db/schema";
import { afterRulesetChange, loadRuleset, RULESET_CHANNEL } from "~/models/ruleset.server";
import { listenControl, notificationsUp } from "~/utils/control-notifications.server";
import { controlDb } from "~/utils/db.server";
import { singleton } from "~/utils/singleton.server";
import { compileRuleset, type CompiledRuleset } from "./evaluate";
import type { Ruleset } from "./types";

export interface ServedRuleset {
  ruleset: Ruleset;
  compiled: CompiledRuleset;
  body: string;
  etag: string;
  loadedAt: number;
  /** When a pin of this ruleset expires (epoch ms; Infinity if none): the body must be re-read then. */
  nextPinExpiry: number;
}

/*
 * The API answers thousands of requests a second from this cache. Once loaded it never makes a request wait
 * (stale-while-revalidate); it is re-read:
 * - at once when a ruleset change commits anywhere (NOTIFY cutover_ruleset from bumpRulesetVersion, heard on the
 *   process's LISTEN connection), and before a change made in this process returns (read-your-writes);
 * - at a pin's expiry (pins expire without a version bump);
 * - when a request finds it older than POLL_MS while the LISTEN connection is down (the fallback), or older than
 *   SAFETY_MS otherwise. These two only read the version first: every change bumps it, and re-reading a ruleset
 *   with 100,000-id user lists holds the event loop for tens of milliseconds.
 * The state lives in a process singleton, so every module copy (the server build, scripts, tests) shares it.
 */
const POLL_MS = 1000;
const SAFETY_MS = 30_000;

interface RulesetCache {
  served: ServedRuleset | null;
  loading: Promise<ServedRuleset> | null;
  /** Bumped by every notification; a load that started before the latest one is followed by another. */
  generation: number;
  listening: Promise<void> | null;
}

const rulesetCache = () => singleton<RulesetCache>("ruleset-cache", () => ({ served: null, loading: null, generation: 0, listening: null }));

async function readServedRuleset(previous: ServedRuleset | null, versionFirst: boolean): Promise<ServedRuleset> {
  if (previous && versionFirst) {
    const [state] = await controlDb().select({ version: rolloutState.version }).from(rolloutState).where(eq(rolloutState.id, 1));
    if (state?.version === previous.ruleset.version) return { ...previous, loadedAt: Date.now() };
  }
  const ruleset = await loadRuleset();
  const body = JSON.stringify(ruleset);
  const now = Date.now();
  const nextPinExpiry = Math.min(Infinity, ...ruleset.pins.map((p) => (p.expiresAt ? Date.parse(p.expiresAt) : Infinity)).filter((t) => t > now));
  // Unchanged content keeps its compiled form: compiling 100k-id user lists again would cost CPU for nothing.
  if (previous && previous.body === body) return { ...previous, loadedAt: now, nextPinExpiry };
  // Pins can expire without a version bump, so the ETag covers the content, not just the version.
  const etag = `"${ruleset.version}-${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
  return { ruleset, compiled: compileRuleset(ruleset), body, etag, loadedAt: now, nextPinExpiry };
}

/**
 * One load at a time; a notification that arrives during a load triggers one more, in full (the load may
 * predate the change). `versionFirst`: see above.
 */
function reload(cache: RulesetCache, versionFirst = false): Promise<ServedRuleset> {
  cache.loading ??= (async () => {
    try {
      for (let first = true; ; first = false) {
        const generation = cache.generation;
        cache.served = await readServedRuleset(cache.served, versionFirst && first);
        if (cache.generation === generation) return cache.served;
      }
    } finally {
      cache.loading = null;
    }
  })();
  return cache.loading;
}

/** A background re-read: a failure keeps serving the last ruleset (fail-static) and is retried by the next poll. */
function refreshInBackground(cache: RulesetCache, versionFirst = false) {
  reload(cache, versionFirst).catch((error: unknown) => {
    if (cache.served) cache.served = { ...cache.served, loadedAt: Date.now() };
    process.stderr.write(
      `ruleset refresh failed (serving version ${cache.served?.ruleset.version}): ${error instanceof Error ? error.message : String(error)}\n`,
    );
  });
}

function startListening(cache: RulesetCache) {
  cache.listening ??= listenControl(RULESET_CHANNEL, {
    onNotify() {
      cache.generation++;
      refreshInBackground(cache);
    },
    // (Re)subscribed: changes made while the connection was down sent notifications nobody heard.
    onListen() {
      if (!cache.served) return;
      cache.generation++;
      refreshInBackground(cache, true);
    },
  });
  return cache.listening;
}

export async function getServedRuleset(): Promise<ServedRuleset> {
  const cache = rulesetCache();
  const served = cache.served;
  if (served) {
    const now = Date.now();
    if (cache.loading) return served;
    if (now >= served.nextPinExpiry) refreshInBackground(cache);
    else if (now - served.loadedAt >= (notificationsUp() ? SAFETY_MS : POLL_MS)) refreshInBackground(cache, true);
    return served;
  }
  afterRulesetChange("served-ruleset", refreshAfterChange);
  // The first load subscribes first, so no change committed after it can go unheard.
  await startListening(cache);
  return reload(cache);
}

/** Registered on first use: a change made in this process re-reads the served ruleset before it returns. */
async function refreshAfterChange() {
  const cache = rulesetCache();
  if (!cache.served) return;
  cache.generation++;
  await reload(cache).catch((error: unknown) => {
    // The change is committed; the next poll re-reads. Failing the change now would misreport it.
    process.stderr.write(`ruleset refresh after a change failed: ${error instanceof Error ? error.message : String(error)}\n`);
  });
}
