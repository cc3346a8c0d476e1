import { backfilledGate } from "./backfilled.server";
import { freshnessGate } from "./freshness.server";
import { latencyBudgetGate } from "./latency-budget.server";
import { mismatchBudgetGate } from "./mismatch-budget.server";
import { schemaDriftGate } from "./schema-drift.server";
import { targetFreeSpaceGate } from "./target-free-space.server";
import type { Gate, GateContext, GateResult } from "./types";
import { xidRunwayGate } from "./xid-runway.server";

/** Every gate a cohort advance must pass. Each gate lives in its own module beside this one. */
export const gates: Gate[] = [mismatchBudgetGate, xidRunwayGate, targetFreeSpaceGate, freshnessGate, backfilledGate, schemaDriftGate, latencyBudgetGate];

/** Runs every gate; a gate that throws counts as failed (a gate we cannot evaluate must not wave a rollout through). */
export async function checkGates(context: GateContext): Promise<GateResult[]> {
  return Promise.all(
    gates.map(async (gate) => {
      try {
        const outcome = await gate.check(context);
        return { gate: gate.id, label: gate.label, ...outcome };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        return { gate: gate.id, label: gate.label, passed: false, reason: `could not be evaluated: ${message}` };
      }
    }),
  );
}
