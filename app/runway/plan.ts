import { z } from "zod";
import type { Mode } from "../rollout/modes";
import type { TargetOnlyMove } from "./projection";

/** A what-if: per cohort, the day it moves to target_only and the percentage it has then. */
export const runwayPlanSchema = z.object({
  moves: z.array(z.object({ cohortId: z.string().uuid(), atMs: z.number().int().positive(), basisPoints: z.number().int().min(0).max(10_000) })).max(200),
});
export type RunwayPlanInput = z.infer<typeof runwayPlanSchema>;

export interface CohortShare {
  id: string;
  name: string;
  mode: Mode;
  basisPoints: number;
  /** Share (0..1) of all write traffic the cohort decides now, and at 100%. */
  writeShareNow: number;
  writeShareFull: number;
  /** Its scheduled ramp, if any. */
  ramp: CohortRamp | null;
}

/**
 * The moves a plan makes, as shares of write traffic: a cohort at p% is assumed to take p/100 of what it takes at
 * 100% (users are bucketed uniformly), minus what it already has on target_only.
 */
export function planMoves(plan: RunwayPlanInput, cohorts: Pick<CohortShare, "id" | "name" | "mode" | "writeShareNow" | "writeShareFull">[]): TargetOnlyMove[] {
  const byId = new Map(cohorts.map((c) => [c.id, c]));
  return plan.moves.flatMap((m) => {
    const c = byId.get(m.cohortId);
    if (!c) return [];
    const already = c.mode === "target_only" ? c.writeShareNow : 0;
    const share = Math.max(0, (c.writeShareFull * m.basisPoints) / 10_000 - already);
    return share > 0 ? [{ cohortId: c.id, name: c.name, atMs: m.atMs, writeShare: share }] : [];
  });
}

/** A cohort's scheduled ramp: steps (basis points) every `everyHours`, the interval running from `clockAtMs`. */
export interface CohortRamp {
  steps: number[];
  everyHours: number;
  clockAtMs: number;
}

/**
 * The writes the scheduled ramps take off the source, step by step, assuming each step comes on time (the ramp job
 * runs every 5 minutes; a closed gate only delays it). Only a target_only cohort's ramp does: raising any other
 * mode's percentage still writes to the source. A step already due counts from now.
 */
export function scheduledRampMoves(
  cohorts: (Pick<CohortShare, "id" | "name" | "mode" | "basisPoints" | "writeShareFull"> & { ramp: CohortRamp | null })[],
  nowMs: number,
): TargetOnlyMove[] {
  return cohorts.flatMap((c) => {
    if (c.mode !== "target_only" || !c.ramp) return [];
    const ahead = c.ramp.steps.filter((step) => step > c.basisPoints);
    const every = c.ramp.everyHours * 3_600_000;
    return ahead.map((step, i) => ({
      cohortId: c.id,
      name: c.name,
      atMs: Math.max(nowMs, c.ramp!.clockAtMs + every) + i * every,
      writeShare: (c.writeShareFull * (step - (i === 0 ? c.basisPoints : ahead[i - 1]))) / 10_000,
    }));
  });
}
