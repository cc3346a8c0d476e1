import { and, desc, eq, isNotNull } from "drizzle-orm";
import { cohorts, rampEvents } from "../../db/schema";
import { formatBasisPoints } from "../rollout/percent";
import { rampStatus, type RampStatus } from "../rollout/ramp";
import { SYSTEM_ACTOR } from "./audit.server";
import { pick, updateCohort } from "./cohort.server";
import { RolloutError } from "./rollout-error.server";
import { controlDb } from "~/utils/db.server";

export interface RampOutcome {
  cohortId: string;
  outcome: "stepped" | "blocked" | "stale" | "waiting" | "complete";
  detail: string;
}

/**
 * One pass of the scheduled ramps: every cohort whose next step is due is raised to it, through the same
 * updateCohort path as a person (optimistic version, every gate, history, audit). A closed gate leaves the cohort
 * where it is and records why, so the page can say why the ramp waits. The ramp acts with the authority of whoever
 * set the plan (so it may enter users more than one rung up), but never past a closed gate.
 */
export async function stepDueRamps(nowMs: number = Date.now()): Promise<RampOutcome[]> {
  const planned = await controlDb()
    .select()
    .from(cohorts)
    .where(and(isNotNull(cohorts.rampSteps), isNotNull(cohorts.rampEveryHours)));
  const outcomes: RampOutcome[] = [];
  for (const cohort of planned) {
    const status = rampStatus({ steps: cohort.rampSteps!, everyHours: cohort.rampEveryHours! }, cohort.percentBasisPoints, cohort.updatedAt.getTime(), nowMs);
    if (status.state !== "due") {
      outcomes.push({ cohortId: cohort.id, outcome: status.state, detail: describeRamp(status) });
      continue;
    }
    const from = cohort.percentBasisPoints;
    const to = status.nextBasisPoints;
    let outcome: RampOutcome;
    try {
      await updateCohort(
        cohort.id,
        cohort.version,
        { ...pick(cohort), percentBasisPoints: to },
        { actor: SYSTEM_ACTOR, reason: `scheduled ramp step ${formatBasisPoints(from)} -> ${formatBasisPoints(to)}`, confirmed: false, isAdmin: true },
        { system: true },
      );
      outcome = { cohortId: cohort.id, outcome: "stepped", detail: `raised ${formatBasisPoints(from)} -> ${formatBasisPoints(to)}` };
    } catch (error) {
      if (!(error instanceof RolloutError)) throw error;
      // A person saved in between: their change restarts the ramp clock, so nothing to do this pass.
      outcome = { cohortId: cohort.id, outcome: error.status === 409 ? "stale" : "blocked", detail: error.message };
    }
    await controlDb().insert(rampEvents).values({ cohortId: cohort.id, outcome: outcome.outcome as "stepped" | "blocked" | "stale", fromBasisPoints: from, toBasisPoints: to, detail: outcome.detail });
    outcomes.push(outcome);
  }
  return outcomes;
}

export function describeRamp(status: RampStatus): string {
  switch (status.state) {
    case "complete":
      return "ramp complete";
    case "waiting":
      return `next step ${formatBasisPoints(status.nextBasisPoints)} at ${new Date(status.dueAtMs).toISOString()}`;
    case "due":
      return `next step ${formatBasisPoints(status.nextBasisPoints)} is due`;
  }
}

/** The latest ramp event of a cohort (why a due step waits). */
export async function lastRampEvent(cohortId: string) {
  const [row] = await controlDb().select().from(rampEvents).where(eq(rampEvents.cohortId, cohortId)).orderBy(desc(rampEvents.id)).limit(1);
  return row ?? null;
}
