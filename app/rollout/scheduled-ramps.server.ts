import { SYSTEM_ACTOR } from "~/models/audit.server";
import { listRampingCohorts, pick } from "~/models/cohort.server";
import { recordRampEvent } from "~/models/rollout-ramp.server";
import { RolloutError } from "~/models/rollout-error.server";
import { updateCohort } from "./cohort-change.server";
import { formatBasisPoints } from "./percent";
import { describeRamp, rampStatus } from "./ramp";

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
  const planned = await listRampingCohorts();
  const outcomes: RampOutcome[] = [];
  for (const cohort of planned) {
    const status = rampStatus({ steps: cohort.rampSteps!, everyHours: cohort.rampEveryHours! }, cohort.percentBasisPoints, cohort.rampClockAt.getTime(), nowMs);
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
      // A person saved in between: the next pass judges their version of the cohort.
      outcome = { cohortId: cohort.id, outcome: error.status === 409 ? "stale" : "blocked", detail: error.message };
    }
    await recordRampEvent({
      cohortId: cohort.id,
      outcome: outcome.outcome as "stepped" | "blocked" | "stale",
      fromBasisPoints: from,
      toBasisPoints: to,
      detail: outcome.detail,
    });
    outcomes.push(outcome);
  }
  return outcomes;
}
