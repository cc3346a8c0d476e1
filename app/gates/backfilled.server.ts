import { backfillGateOverride, cohortDataStates, cohortTables, type CohortDataState } from "~/models/backfill-cohort.server";
import { modeRank } from "../rollout/modes";
import type { Gate } from "./types";

const words = (s: CohortDataState) => (s.state === "copying" ? `copying ${s.percent}%` : s.state === "not_copied" ? "not copied" : s.state.replace("_", " "));

/**
 * A cohort reads from the target from shadow_read on: before it moves there (or beyond), its rows must be on
 * the target and verified, i.e. every table holding its users' rows has a converged backfill for the cohort
 * (or a converged whole-table backfill). An admin may override it for a cohort, with a reason (audited).
 */
export const backfilledGate: Gate = {
  id: "backfilled",
  label: "Cohort data backfilled",
  async check(context) {
    if (modeRank(context.toMode) < modeRank("shadow_read")) {
      return { passed: true, reason: `${context.toMode} reads from the source only; the backfill is needed from shadow_read on` };
    }
    const override = await backfillGateOverride(context.cohortId);
    if (override) return { passed: true, reason: `overridden by ${override.createdBy} at ${override.createdAt.toISOString()}: ${override.reason}` };
    const tables = await cohortTables();
    if (tables.length === 0) return { passed: true, reason: "no source table holds the users' rows" };
    const states = await cohortDataStates(context.cohortId, tables);
    const pending = [...states].filter(([, s]) => s.state !== "converged");
    if (pending.length === 0) return { passed: true, reason: `all ${tables.length} tables of the cohort's data converged on the target` };
    return { passed: false, reason: `not converged on the target for this cohort: ${pending.map(([t, s]) => `${t} (${words(s)})`).join(", ")}` };
  },
};
