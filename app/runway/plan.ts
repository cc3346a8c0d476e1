import { z } from "zod";
import type { CohortShare } from "~/models/runway-planner.server";
import type { TargetOnlyMove } from "./projection";

/** A what-if: per cohort, the day it moves to target_only and the percentage it has then. */
export const runwayPlanSchema = z.object({
  moves: z
    .array(z.object({ cohortId: z.string().uuid(), atMs: z.number().int().positive(), basisPoints: z.number().int().min(0).max(10_000) }))
    .max(200),
});
export type RunwayPlanInput = z.infer<typeof runwayPlanSchema>;

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
