import { SYSTEM_ACTOR } from "../../app/models/audit.server";
import type { Cohort, CohortInput } from "../../app/models/cohort.server";
import { createCohort } from "../../app/rollout/cohort-change.server";

/** A cohort created as test setup (no ramp, no budget, Cutover itself as the actor). */
export function createSetupCohort(input: Pick<CohortInput, "name" | "mode" | "percentBasisPoints"> & Partial<CohortInput>): Promise<Cohort> {
  return createCohort(
    { description: "", priority: 1, constraints: {}, mismatchBudget: null, budgetWindowMinutes: 60, rampSteps: null, rampEveryHours: null, ...input },
    { actor: SYSTEM_ACTOR, reason: "setup", confirmed: false, isAdmin: false },
  );
}
