import { cohortMismatchRate } from "~/models/comparison.server";
import { modePaths } from "../rollout/modes";
import type { Gate, GateContext, GateOutcome } from "./types";
import { controlSql } from "~/utils/db.server";

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/**
 * Blocks an advance while the cohort's shadow-read mismatch rate over its budget window exceeds its budget
 * (cohorts.mismatch_budget, a 0..1 rate, owned by the rollout schema). A cohort that compares reads but reported
 * no comparisons fails: silence is not evidence of correctness.
 */
export const mismatchBudgetGate: Gate = {
  id: "mismatch-budget",
  label: "Mismatch rate within budget",
  async check(context: GateContext): Promise<GateOutcome> {
    const [cohort] = await controlSql()`
      select mismatch_budget, budget_window_minutes from cohorts where id::text = ${context.cohortId}`;
    if (!cohort) return { passed: false, reason: `cohort ${context.cohortName} not found` };
    if (cohort.mismatch_budget === null) return { passed: true, reason: "no mismatch budget set for this cohort" };
    const budget = Number(cohort.mismatch_budget);
    const windowMinutes = Number(cohort.budget_window_minutes);
    if (!modePaths(context.fromMode).compares) {
      return { passed: true, reason: `no reads are compared in ${context.fromMode}; the budget applies from shadow_read on` };
    }
    const { compared, mismatched, rate } = await cohortMismatchRate(context.cohortId, windowMinutes);
    if (rate === null) {
      return { passed: false, reason: `no comparisons reported over the last ${windowMinutes} min, so the rate is unknown` };
    }
    const summary = `mismatch rate ${percent(rate)} (${mismatched} of ${compared}) over ${windowMinutes} min`;
    return rate <= budget
      ? { passed: true, reason: `${summary} is within the budget of ${percent(budget)}` }
      : { passed: false, reason: `${summary} exceeds the budget of ${percent(budget)}` };
  },
};
