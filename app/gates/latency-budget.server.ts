import { formatFactor, formatLatency } from "../latency/format";
import { cohortSideLatency } from "~/models/operation-latency.server";
import { cohortLatencyBudget } from "~/models/latency-budget.server";
import { modePaths } from "../rollout/modes";
import type { Gate, GateContext, GateOutcome } from "./types";

/** Fewer timings than this per side over the window say too little about a p99 to step a ramp on. */
export const MIN_TIMINGS_PER_SIDE = 100;

/**
 * Optional per cohort (cohort_latency_budgets): blocks an advance while the target's p99 over the cohort's budget
 * window exceeds k x the source's p99, both read from the client's histograms of the cohort's mirrored writes and
 * shadow reads. Like the mismatch budget, a cohort that mirrors but reported too few timings fails: silence is
 * not evidence that the target keeps up.
 */
export const latencyBudgetGate: Gate = {
  id: "latency-budget",
  label: "Target p99 within latency budget",
  async check(context: GateContext): Promise<GateOutcome> {
    const budget = await cohortLatencyBudget(context.cohortId);
    if (!budget) return { passed: true, reason: "no latency budget set for this cohort" };
    const paths = modePaths(context.fromMode);
    if (paths.writes.length < 2 && !paths.compares) {
      return { passed: true, reason: `nothing is mirrored in ${context.fromMode}, so there is no latency to compare; the budget applies from dual_write on` };
    }
    const { source, target } = await cohortSideLatency(context.cohortId, budget.windowMinutes);
    const window = `${budget.windowMinutes} min`;
    if (!source || !target || source.count < MIN_TIMINGS_PER_SIDE || target.count < MIN_TIMINGS_PER_SIDE) {
      return {
        passed: false,
        reason: `too few timings over the last ${window} (source ${source?.count ?? 0}, target ${target?.count ?? 0}; at least ${MIN_TIMINGS_PER_SIDE} each), so the p99s are unknown`,
      };
    }
    const limit = budget.p99Factor * source.p99;
    const summary = `target p99 ${formatLatency(target.p99)} against the source's ${formatLatency(source.p99)} over ${window}`;
    return target.p99 <= limit
      ? { passed: true, reason: `${summary} is within ${formatFactor(budget.p99Factor)} the source's` }
      : { passed: false, reason: `${summary} exceeds ${formatFactor(budget.p99Factor)} the source's (${formatLatency(limit)})` };
  },
};
