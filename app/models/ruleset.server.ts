import { asc, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { cohorts, pins, rolloutState, rulesetVersions } from "../../db/schema";
import type { Mode } from "../rollout/modes";
import type { Ruleset } from "../rollout/types";
import { recordAudit, type Actor } from "./audit.server";
import { notify } from "./notification.server";
import { controlDb, type ControlDb, type ControlTx } from "~/utils/db.server";
import { singleton } from "~/utils/singleton.server";

type Db = ControlDb | ControlTx;

/** The NOTIFY channel of ruleset changes (payload: the new version). */
export const RULESET_CHANNEL = "cutover_ruleset";

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
  await tx.execute(sql`select pg_notify(${RULESET_CHANNEL}, ${String(row.version)})`);
  return row.version;
}

/*
 * Processes that serve the ruleset from a cache (app/rollout/served-ruleset.server.ts) register here, so a change
 * made in this process is re-read before changeRuleset returns. The list lives in a process singleton, so every
 * module copy shares it; the model never imports the cache (the cache reads through this model).
 */
type RulesetChangeHook = () => Promise<void>;
const changeHooks = () => singleton<Map<string, RulesetChangeHook>>("ruleset-change-hooks", () => new Map());

/** Keyed by name: each module copy registers the same hook once, not once per copy. */
export function afterRulesetChange(name: string, hook: RulesetChangeHook) {
  changeHooks().set(name, hook);
}

/**
 * Runs a change of cohorts, pins or the switch in a transaction (which calls bumpRulesetVersion) and, once it has
 * committed, re-reads this process's served ruleset before returning, so the page or API call that follows sees it.
 */
export async function changeRuleset<T>(work: (tx: ControlTx) => Promise<T>): Promise<T> {
  const result = await controlDb().transaction(work);
  for (const hook of changeHooks().values()) await hook();
  return result;
}

export async function listRulesetVersions(limit = 500) {
  return controlDb()
    .select({
      version: rulesetVersions.version,
      ruleset: rulesetVersions.ruleset,
      actorLabel: rulesetVersions.actorLabel,
      reason: rulesetVersions.reason,
      at: rulesetVersions.at,
    })
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
  await notify({
    type: "emergency.set",
    severity: "critical",
    summary: `emergency switch ON: everyone to ${mode}, by ${actor.label}: ${reason}`,
    detail: { mode, reason, actor: actor.label, rulesetVersion: version },
  });
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
      {
        action: "rollout.emergency.clear",
        entityType: "rollout",
        entityId: "emergency",
        before: { mode: before.emergencyMode },
        after: { mode: null },
        reason,
      },
      tx,
    );
    return version;
  });
  await notify({
    type: "emergency.cleared",
    severity: "info",
    summary: `emergency switch off, by ${actor.label}: ${reason}`,
    detail: { reason, actor: actor.label, rulesetVersion: version },
  });
  return version;
}
