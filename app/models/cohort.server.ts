import { asc, desc, eq, sql } from "drizzle-orm";
import { cohortHistory, cohorts, rolloutState } from "../../db/schema";
import { checkGates } from "../gates/index.server";
import { recordGateResults } from "./gate-state.server";
import type { GateResult } from "../gates/types";
import { changeRequirementProblems, classifyCohortChange, type ChangeClassification } from "../rollout/change";
import type { Mode } from "../rollout/modes";
import type { CohortConstraints } from "../rollout/types";
import { recordAudit, type Actor } from "./audit.server";
import { RolloutError } from "./rollout-error.server";
import { bumpRulesetVersion, changeRuleset } from "./ruleset.server";
import { controlDb, type ControlDb, type ControlTx } from "~/utils/db.server";

export type Cohort = typeof cohorts.$inferSelect;

/** The fields a person edits; everything else (id, salt, version, timestamps) is Cutover's. */
export interface CohortInput {
  name: string;
  description: string;
  priority: number;
  mode: Mode;
  percentBasisPoints: number;
  constraints: CohortConstraints;
  mismatchBudget: number | null;
  budgetWindowMinutes: number;
  rampSteps: number[] | null;
  rampEveryHours: number | null;
}

export interface ChangeRequest {
  actor: Actor;
  reason: string;
  /** The person confirmed a rollback (after seeing how many users move). */
  confirmed: boolean;
  isAdmin: boolean;
}

const EDITABLE: (keyof CohortInput)[] = [
  "name",
  "description",
  "priority",
  "mode",
  "percentBasisPoints",
  "constraints",
  "mismatchBudget",
  "budgetWindowMinutes",
  "rampSteps",
  "rampEveryHours",
];

export async function listCohorts() {
  return controlDb().select().from(cohorts).orderBy(asc(cohorts.priority), asc(cohorts.id));
}

export async function getCohort(id: string): Promise<Cohort | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await controlDb().select().from(cohorts).where(eq(cohorts.id, id));
  return row ?? null;
}

export async function listCohortHistory(cohortId: string, limit = 100) {
  return controlDb()
    .select()
    .from(cohortHistory)
    .where(eq(cohortHistory.cohortId, cohortId))
    .orderBy(desc(cohortHistory.id))
    .limit(limit);
}

/** Field-by-field differences between two versions of a cohort (JSON-compared). */
export function diffCohort(before: Partial<CohortInput> | null, after: Partial<CohortInput> | null) {
  const diff: Record<string, { before: unknown; after: unknown }> = {};
  for (const key of EDITABLE) {
    const a = before?.[key] ?? null;
    const b = after?.[key] ?? null;
    if (JSON.stringify(a) !== JSON.stringify(b)) diff[key] = { before: a, after: b };
  }
  return diff;
}

async function defaultMode(tx: ControlDb | ControlTx): Promise<Mode> {
  const [state] = await tx.select({ mode: rolloutState.defaultMode }).from(rolloutState).where(eq(rolloutState.id, 1));
  return state?.mode ?? "source_only";
}

/** Runs every gate for an advance; throws 422 with the failing gates' reasons when any is closed. */
async function requireGates(cohort: { id: string; name: string }, from: { mode: Mode; bp: number }, to: { mode: Mode; bp: number }) {
  const results: GateResult[] = await checkGates({
    cohortId: cohort.id,
    cohortName: cohort.name,
    fromMode: from.mode,
    toMode: to.mode,
    fromBasisPoints: from.bp,
    toBasisPoints: to.bp,
  });
  await recordGateResults(cohort, to.bp, results);
  const failed = results.filter((r) => !r.passed);
  if (failed.length > 0) {
    throw new RolloutError(422, `Blocked by ${failed.map((f) => `${f.label}: ${f.reason}`).join("; ")}`, { gates: results });
  }
  return results;
}

function enforce(classification: ChangeClassification, change: ChangeRequest) {
  const problems = changeRequirementProblems(classification, change);
  if (problems.length === 0) return;
  const adminOnly = classification.requiresAdmin && !change.isAdmin;
  throw new RolloutError(adminOnly ? 403 : 400, problems.join("; "), { classification });
}

/**
 * Creates a cohort. The row is committed at 0% first and then raised to the requested percentage through
 * updateCohort, so the gates (which read committed state on their own connections) judge a cohort that exists;
 * when a gate is closed the cohort stays at 0% and the error says why.
 */
export async function createCohort(input: CohortInput, change: ChangeRequest): Promise<Cohort> {
  if (change.reason.trim().length === 0) throw new RolloutError(400, "a reason is required for every change");
  const classification = classifyCohortChange(null, input, await defaultMode(controlDb()));
  enforce(classification, change);
  const row = await changeRuleset(async (tx) => {
    // The salt is fixed at creation: changing it would reshuffle who is in the cohort.
    const [created] = await tx
      .insert(cohorts)
      .values({ ...input, percentBasisPoints: 0, salt: `${input.name}:${crypto.randomUUID()}` })
      .returning();
    const rulesetVersion = await bumpRulesetVersion(tx, change.actor, change.reason);
    await tx.insert(cohortHistory).values({
      cohortId: created.id,
      cohortVersion: created.version,
      rulesetVersion,
      action: "create",
      actorLabel: change.actor.label,
      reason: change.reason,
      diff: diffCohort(null, { ...input, percentBasisPoints: 0 }),
    });
    await recordAudit(change.actor, { action: "cohort.create", entityType: "cohort", entityId: created.id, before: null, after: { ...input, percentBasisPoints: 0 }, reason: change.reason }, tx);
    return created;
  });
  if (input.percentBasisPoints === 0) return row;
  return (await updateCohort(row.id, row.version, input, change)).cohort;
}

/**
 * Saves an edit made from `expectedVersion`. A stale version is a 409 (someone else saved in between: never a
 * silent overwrite); rollbacks need confirmation, skips the admin role, advances every gate; all need a reason.
 * Gates run before the transaction (they read committed state on their own connections); the version is
 * checked again under the row lock, so a change that slipped in meanwhile still gets its 409.
 */
export async function updateCohort(id: string, expectedVersion: number, input: CohortInput, change: ChangeRequest, options: { system?: boolean } = {}) {
  const stale = (current: number) =>
    new RolloutError(
      409,
      `This cohort was changed by someone else (now version ${current}, you edited version ${expectedVersion}). Reload to see their change, then edit again.`,
      { currentVersion: current },
    );
  const current = await getCohort(id);
  if (!current) throw new RolloutError(404, "No such cohort.");
  if (current.version !== expectedVersion) throw stale(current.version);
  const classification = classifyCohortChange(current, input, await defaultMode(controlDb()));
  enforce(classification, change);
  const advances = classification.movements.some((m) => m.kind === "advance" || m.kind === "skip");
  const gates = advances
    ? await requireGates(current, { mode: current.mode, bp: current.percentBasisPoints }, { mode: input.mode, bp: input.percentBasisPoints })
    : [];
  return changeRuleset(async (tx) => {
    const [locked] = await tx.select({ version: cohorts.version }).from(cohorts).where(eq(cohorts.id, id)).for("update");
    if (!locked) throw new RolloutError(404, "No such cohort.");
    if (locked.version !== expectedVersion) throw stale(locked.version);
    const diff = diffCohort(current, input);
    const [row] = await tx
      .update(cohorts)
      .set({ ...input, version: sql`${cohorts.version} + 1`, updatedAt: sql`now()` })
      .where(eq(cohorts.id, id))
      .returning();
    const rulesetVersion = await bumpRulesetVersion(tx, change.actor, change.reason);
    await tx.insert(cohortHistory).values({
      cohortId: id,
      cohortVersion: row.version,
      rulesetVersion,
      action: options.system ? "ramp" : "update",
      actorLabel: change.actor.label,
      reason: change.reason,
      diff,
    });
    await recordAudit(
      change.actor,
      { action: options.system ? "cohort.ramp" : "cohort.update", entityType: "cohort", entityId: id, before: pick(current), after: input, reason: change.reason },
      tx,
    );
    return { cohort: row, classification, gates, rulesetVersion };
  });
}

export function pick(cohort: Cohort): CohortInput {
  const { name, description, priority, mode, percentBasisPoints, constraints, mismatchBudget, budgetWindowMinutes, rampSteps, rampEveryHours } = cohort;
  return { name, description, priority, mode, percentBasisPoints, constraints, mismatchBudget, budgetWindowMinutes, rampSteps, rampEveryHours };
}
