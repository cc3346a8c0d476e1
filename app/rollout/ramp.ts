import { BUCKET_COUNT } from "./bucket";
import { formatBasisPoints, parsePercent } from "./percent";

/**
 * Scheduled ramps: a cohort's percentage raised step by step (e.g. 1% -> 5% -> 25% -> 100% every 6 hours).
 * Steps only ever raise the percentage (the ratchet keeps everyone already in), so a ramp never rolls back;
 * the clock restarts at every change of the cohort, manual ones included, so a person's edit is never
 * followed by a ramp step before the interval has passed. Gates are checked by the job, not here.
 */
export interface RampPlan {
  /** Strictly increasing basis points, each 1..10000. */
  steps: number[];
  everyHours: number;
}

export type RampStatus =
  | { state: "complete" }
  | { state: "waiting"; nextBasisPoints: number; dueAtMs: number }
  | { state: "due"; nextBasisPoints: number; dueAtMs: number };

export const MAX_RAMP_STEPS = 20;

export function rampPlanProblems(plan: RampPlan): string[] {
  const problems: string[] = [];
  if (plan.steps.length === 0) problems.push("a ramp needs at least one step");
  if (plan.steps.length > MAX_RAMP_STEPS) problems.push(`a ramp has at most ${MAX_RAMP_STEPS} steps`);
  plan.steps.forEach((step, i) => {
    if (!Number.isInteger(step) || step < 1 || step > BUCKET_COUNT) problems.push(`step ${i + 1} must be between 0.01% and 100%`);
    else if (i > 0 && step <= plan.steps[i - 1]) problems.push(`step ${i + 1} must be higher than step ${i}`);
  });
  if (!(plan.everyHours > 0 && plan.everyHours <= 24 * 30)) problems.push("the interval must be between 0 and 720 hours");
  return problems;
}

/** "1% -> 5% -> 25% -> 100%" (arrows, commas or spaces) -> basis points; null when any step is not a percentage. */
export function parseRampSteps(text: string): number[] | null {
  const parts = text
    .split(/\s*(?:->|→|,|\s)\s*/)
    .map((p) => p.trim())
    .filter(Boolean);
  if (parts.length === 0) return null;
  const steps = parts.map(parsePercent);
  return steps.every((s): s is number => s !== null) ? steps : null;
}

export function formatRampSteps(steps: number[]): string {
  return steps.map(formatBasisPoints).join(" -> ");
}

/** Where a cohort at `currentBasisPoints`, last changed at `lastChangeAtMs`, stands on its plan at `nowMs`. */
export function rampStatus(plan: RampPlan, currentBasisPoints: number, lastChangeAtMs: number, nowMs: number): RampStatus {
  const next = plan.steps.find((step) => step > currentBasisPoints);
  if (next === undefined) return { state: "complete" };
  const dueAtMs = lastChangeAtMs + plan.everyHours * 3_600_000;
  return { state: nowMs >= dueAtMs ? "due" : "waiting", nextBasisPoints: next, dueAtMs };
}
