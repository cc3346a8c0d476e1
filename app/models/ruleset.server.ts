import { createHash } from "node:crypto";
import { asc, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { cohorts, pins, rolloutState, rulesetVersions } from "../../db/schema";
import { compileRuleset, type CompiledRuleset } from "../rollout/evaluate";
import type { Mode } from "../rollout/modes";
import type { Ruleset } from "../rollout/types";
import { recordAudit, type Actor } from "./audit.server";
import { notify } from "./notification.server";
import { listenControl, notificationsUp } from "~/utils/control-notifications.server";
import { controlDb, type ControlDb, type ControlTx } from "~/utils/db.server";
import { singleton } from "~/utils/singleton.server";

type Db = ControlDb | ControlTx;

/** The NOTIFY channel of ruleset changes (payload: the new version). */
const CHANNEL = "cutover_ruleset";

async function ensureState(db: Db) {
  await db.insert(rolloutState).values({ id: 1 }).onConflictDoNothing();
}

/** Reads the ruleset as the API serves it: cohorts by priority, pins that have not expired. */
export async function loadRuleset(db: Db = controlDb()): Promise<Ruleset> {
  // Read first: the cache re-reads this often, and an INSERT .. ON CONFLICT would take an XID each time.
  let [state] = await db.select().from(rolloutState).where(eq(rolloutState.id, 1));
  if (!state) {
    await ensureState(db);
    [state] = await db.select().from(rolloutState).where(eq(rolloutState.id, 1));
  }
  const cohortRows = await db
    .select({
      id: cohorts.id,
      name: cohorts.name,
      priority: cohorts.priority,
      mode: cohorts.mode,
      percentBasisPoints: cohorts.percentBasisPoints,
      salt: cohorts.salt,
      constraints: cohorts.constraints,
    })
    .from(cohorts)
    .orderBy(asc(cohorts.priority), asc(cohorts.id));
  const pinRows = await db
    .select({ userId: pins.userId, mode: pins.mode, reason: pins.reason, expiresAt: pins.expiresAt })
    .from(pins)
    .where(or(isNull(pins.expiresAt), gt(pins.expiresAt, sql`now()`)))
    .orderBy(asc(pins.userId));
  return {
    version: state.version,
    defaultMode: state.defaultMode,
    emergency:
      state.emergencyMode === null
        ? null
        : { mode: state.emergencyMode, reason: state.emergencyReason ?? "", since: (state.emergencySince ?? state.updatedAt).toISOString() },
    cohorts: cohortRows,
    pins: pinRows.map((p) => ({ ...p, expiresAt: p.expiresAt?.toISOString() ?? null })),
  };
}

/**
 * Bumps the ruleset version inside the transaction that changed cohorts, pins or the switch, and stores the
 * resulting ruleset under the new version. The UPDATE takes the state row's lock, so concurrent changes
 * serialise here and versions are gap-free and strictly increasing.
 */
export async function bumpRulesetVersion(tx: ControlTx, actor: Actor, reason: string): Promise<number> {
  await ensureState(tx);
  const [row] = await tx
    .update(rolloutState)
    .set({ version: sql`${rolloutState.version} + 1`, updatedAt: sql`now()` })
    .where(eq(rolloutState.id, 1))
    .returning({ version: rolloutState.version });
  const ruleset = await loadRuleset(tx);
  await tx.insert(rulesetVersions).values({ version: row.version, ruleset, actorLabel: actor.label, reason });
  // Delivered at commit to every web process's LISTEN connection (see getServedRuleset).
  await tx.execute(sql`select pg_notify(${CHANNEL}, ${String(row.version)})`);
  return row.version;
}

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
    process.stderr.write(`ruleset refresh failed (serving version ${cache.served?.ruleset.version}): ${error instanceof Error ? error.message : String(error)}\n`);
  });
}

function startListening(cache: RulesetCache) {
  cache.listening ??= listenControl(CHANNEL, {
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
  // The first load subscribes first, so no change committed after it can go unheard.
  await startListening(cache);
  return reload(cache);
}

/**
 * Runs a change of cohorts, pins or the switch in a transaction (which calls bumpRulesetVersion) and, once it has
 * committed, re-reads this process's served ruleset before returning, so the page or API call that follows sees it.
 */
export async function changeRuleset<T>(work: (tx: ControlTx) => Promise<T>): Promise<T> {
  const result = await controlDb().transaction(work);
  const cache = rulesetCache();
  if (cache.served) {
    cache.generation++;
    await reload(cache).catch((error: unknown) => {
      // The change is committed; the next poll re-reads. Failing the change now would misreport it.
      process.stderr.write(`ruleset refresh after a change failed: ${error instanceof Error ? error.message : String(error)}\n`);
    });
  }
  return result;
}

export async function listRulesetVersions(limit = 500) {
  return controlDb()
    .select({ version: rulesetVersions.version, ruleset: rulesetVersions.ruleset, actorLabel: rulesetVersions.actorLabel, reason: rulesetVersions.reason, at: rulesetVersions.at })
    .from(rulesetVersions)
    .orderBy(desc(rulesetVersions.version))
    .limit(limit);
}

/** The global emergency switch: everyone (pins included) to `mode` at once. */
export async function setEmergency(mode: Mode, reason: string, actor: Actor) {
  const version = await changeRuleset(async (tx) => {
    await ensureState(tx);
    const [before] = await tx.select().from(rolloutState).where(eq(rolloutState.id, 1)).for("update");
    await tx
      .update(rolloutState)
      .set({ emergencyMode: mode, emergencyReason: reason, emergencySince: sql`now()` })
      .where(eq(rolloutState.id, 1));
    const version = await bumpRulesetVersion(tx, actor, reason);
    await recordAudit(
      actor,
      { action: "rollout.emergency.set", entityType: "rollout", entityId: "emergency", before: { mode: before.emergencyMode }, after: { mode }, reason },
      tx,
    );
    return version;
  });
  await notify({ type: "emergency.set", severity: "critical", summary: `emergency switch ON: everyone to ${mode}, by ${actor.label}: ${reason}`, detail: { mode, reason, actor: actor.label, rulesetVersion: version } });
  return version;
}

export async function clearEmergency(reason: string, actor: Actor) {
  const version = await changeRuleset(async (tx) => {
    await ensureState(tx);
    const [before] = await tx.select().from(rolloutState).where(eq(rolloutState.id, 1)).for("update");
    await tx.update(rolloutState).set({ emergencyMode: null, emergencyReason: null, emergencySince: null }).where(eq(rolloutState.id, 1));
    const version = await bumpRulesetVersion(tx, actor, reason);
    await recordAudit(
      actor,
      { action: "rollout.emergency.clear", entityType: "rollout", entityId: "emergency", before: { mode: before.emergencyMode }, after: { mode: null }, reason },
      tx,
    );
    return version;
  });
  await notify({ type: "emergency.cleared", severity: "info", summary: `emergency switch off, by ${actor.label}: ${reason}`, detail: { reason, actor: actor.label, rulesetVersion: version } });
  return version;
}
