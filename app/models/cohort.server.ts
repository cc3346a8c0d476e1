import { and, asc, desc, eq, isNotNull, sql } from "drizzle-orm";
import { cohortHistory, cohorts, rolloutState } from "../../db/schema";
import type { GateResult } from "../gates/types";
import type { ChangeClassification } from "../rollout/change";
import { rampClockAfterEdit } from "../rollout/ramp";
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
  return controlDb().select().from(cohortHistory).where(eq(cohortHistory.cohortId, cohortId)).orderBy(desc(cohortHistory.id)).limit(limit);
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

export async function getDefaultMode(tx: ControlDb | ControlTx = controlDb()): Promise<Mode> {
  const [state] = await tx.select({ mode: rolloutState.defaultMode }).from(rolloutState).where(eq(rolloutState.id, 1));
  return state?.mode ?? "source_only";
}

/** Cohorts with a ramp plan (the scheduled ramp's candidates). */
export async function listRampingCohorts() {
  return controlDb()
    .select()
    .from(cohorts)
    .where(and(isNotNull(cohorts.rampSteps), isNotNull(cohorts.rampEveryHours)));
}

/** Inserts a new cohort at 0% with its history and audit, in one ruleset change (see createCohort for why 0%). */
export async function insertCohort(input: CohortInput, change: ChangeRequest): Promise<Cohort> {
  return changeRuleset(async (tx) => {
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
    await recordAudit(
      change.actor,
      { action: "cohort.create", entityType: "cohort", entityId: created.id, before: null, after: { ...input, percentBasisPoints: 0 }, reason: change.reason },
      tx,
    );
    return created;
  });
}

export function staleCohortError(current: number, expectedVersion: number) {
  return new RolloutError(
    409,
    `This cohort was changed by someone else (now version ${current}, you edited version ${expectedVersion}). Reload to see their change, then edit again.`,
    { currentVersion: current },
  );
}

/**
 * Saves an already judged edit: the version is checked again under the row lock, so a change that slipped in
 * since `current` was read still gets its 409.
 * The ramp clock is kept unless this is a ramp step (`system`), the engineer asked for a restart, or the edit
 * schedules a ramp the cohort did not have; a restart is audited beside the edit.
 */
export async function saveCohortEdit(
  current: Cohort,
  expectedVersion: number,
  input: CohortInput,
  change: ChangeRequest,
  judged: { classification: ChangeClassification; gates: GateResult[] },
  options: { system?: boolean; restartRampClock?: boolean } = {},
) {
  const id = current.id;
  return changeRuleset(async (tx) => {
    const [locked] = await tx.select({ version: cohorts.version }).from(cohorts).where(eq(cohorts.id, id)).for("update");
    if (!locked) throw new RolloutError(404, "No such cohort.");
    if (locked.version !== expectedVersion) throw staleCohortError(locked.version, expectedVersion);
    const diff = diffCohort(current, input);
    const [{ now }] = await tx.execute<{ now: Date }>(sql`select now() as now`);
    const nowMs = new Date(now).getTime();
    const clockMs = rampClockAfterEdit(
      { ...current, rampClockAtMs: current.rampClockAt.getTime() },
      input,
      Boolean(options.system || options.restartRampClock),
      nowMs,
    );
    const clockRestarted = clockMs !== current.rampClockAt.getTime();
    const [row] = await tx
      .update(cohorts)
      .set({ ...input, rampClockAt: new Date(clockMs), version: sql`${cohorts.version} + 1`, updatedAt: sql`now()` })
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
      diff:
        clockRestarted && !options.system
          ? { ...diff, rampClockAt: { before: current.rampClockAt.toISOString(), after: new Date(clockMs).toISOString() } }
          : diff,
    });
    await recordAudit(
      change.actor,
      {
        action: options.system ? "cohort.ramp" : "cohort.update",
        entityType: "cohort",
        entityId: id,
        // A person's restart of the ramp clock is part of what they changed; a step's own restart is implied.
        before: clockRestarted && !options.system ? { ...pick(current), rampClockAt: current.rampClockAt.toISOString() } : pick(current),
        after: clockRestarted && !options.system ? { ...input, rampClockAt: new Date(clockMs).toISOString() } : input,
        reason: change.reason,
      },
      tx,
    );
    return { cohort: row, classification: judged.classification, gates: judged.gates, rulesetVersion };
  });
}

export function pick(cohort: Cohort): CohortInput {
  const { name, description, priority, mode, percentBasisPoints, constraints, mismatchBudget, budgetWindowMinutes, rampSteps, rampEveryHours } = cohort;
  return { name, description, priority, mode, percentBasisPoints, constraints, mismatchBudget, budgetWindowMinutes, rampSteps, rampEveryHours };
}
