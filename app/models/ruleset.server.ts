import { createHash } from "node:crypto";
import { asc, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { cohorts, pins, rolloutState, rulesetVersions } from "../../db/schema";
import { compileRuleset, type CompiledRuleset } from "../rollout/evaluate";
import type { Mode } from "../rollout/modes";
import type { Ruleset } from "../rollout/types";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb, type ControlDb, type ControlTx } from "~/utils/db.server";

type Db = ControlDb | ControlTx;

async function ensureState(db: Db) {
  await db.insert(rolloutState).values({ id: 1 }).onConflictDoNothing();
}

/** Reads the ruleset as the API serves it: cohorts by priority, pins that have not expired. */
export async function loadRuleset(db: Db = controlDb()): Promise<Ruleset> {
  await ensureState(db);
  const [state] = await db.select().from(rolloutState).where(eq(rolloutState.id, 1));
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
  invalidateRulesetCache();
  return row.version;
}

export interface ServedRuleset {
  ruleset: Ruleset;
  compiled: CompiledRuleset;
  body: string;
  etag: string;
  loadedAt: number;
}

// The API answers thousands of requests a second from this: re-read at most once a second per process (and at
// once after a change made in this process), so other web processes see a change within a second.
const CACHE_MS = 1000;
let cached: ServedRuleset | null = null;
let loading: Promise<ServedRuleset> | null = null;

export function invalidateRulesetCache() {
  cached = null;
}

export async function getServedRuleset(): Promise<ServedRuleset> {
  if (cached && Date.now() - cached.loadedAt < CACHE_MS) return cached;
  loading ??= (async () => {
    try {
      const ruleset = await loadRuleset();
      const body = JSON.stringify(ruleset);
      // Pins can expire without a version bump, so the ETag covers the content, not just the version.
      const etag = `"${ruleset.version}-${createHash("sha256").update(body).digest("base64url").slice(0, 16)}"`;
      cached = { ruleset, compiled: compileRuleset(ruleset), body, etag, loadedAt: Date.now() };
      return cached;
    } finally {
      loading = null;
    }
  })();
  return loading;
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
  return controlDb().transaction(async (tx) => {
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
}

export async function clearEmergency(reason: string, actor: Actor) {
  return controlDb().transaction(async (tx) => {
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
}
