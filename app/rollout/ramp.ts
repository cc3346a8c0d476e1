import { BUCKET_COUNT } from "./bucket";
import { formatBasisPoints, parsePercent } from "./percent";

/**
 * Scheduled ramps: a cohort's percentage raised step by step (e.g. 1% -> 5% -> 25% -> 100% every 6 hours).
 * Steps only ever raise the percentage (the ratchet keeps everyone already in), so a ramp never rolls back.
 * The clock restarts at each step, when a ramp is first scheduled, and when an engineer asks for it; any other
 * edit keeps the schedule, and the preview says when the next step comes. Gates are checked by the job, not here.
 */
export interface RampPlan {
  /** Strictly increasing basis points, each 1..10000. */
  steps: number[];
  everyHours: number;
}

export type RampStatus =
  { state: "complete" } | { state: "waiting"; nextBasisPoints: number; dueAtMs: number } | { state: "due"; nextBasisPoints: number; dueAtMs: number };

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

/** Where a cohort at `currentBasisPoints`, whose ramp clock started at `clockAtMs`, stands on its plan at `nowMs`. */
export function rampStatus(plan: RampPlan, currentBasisPoints: number, clockAtMs: number, nowMs: number): RampStatus {
  const next = plan.steps.find((step) => step > currentBasisPoints);
  if (next === undefined) return { state: "complete" };
  const dueAtMs = clockAtMs + plan.everyHours * 3_600_000;
  return { state: nowMs >= dueAtMs ? "due" : "waiting", nextBasisPoints: next, dueAtMs };
}

type RampFields = { rampSteps: number[] | null; rampEveryHours: number | null };

/**
 * When the ramp clock stands after an edit: now if the engineer asked for a restart or the edit schedules a ramp
 * the cohort did not have (its interval starts with it), otherwise where it was, so the schedule is kept.
 */
export function rampClockAfterEdit(before: RampFields & { rampClockAtMs: number }, after: RampFields, restart: boolean, nowMs: number): number {
  const hadRamp = before.rampSteps !== null && before.rampEveryHours !== null;
  const hasRamp = after.rampSteps !== null && after.rampEveryHours !== null;
  if (!hasRamp) return before.rampClockAtMs;
  return restart || !hadRamp ? nowMs : before.rampClockAtMs;
}

/** The ramp's next step after an edit, for the preview: null without a ramp. */
export function nextRampStep(after: RampFields & { percentBasisPoints: number }, clockAtMs: number, nowMs: number): RampStatus | null {
  if (after.rampSteps === null || after.rampEveryHours === null) return null;
  return rampStatus({ steps: after.rampSteps, everyHours: after.rampEveryHours }, after.percentBasisPoints, clockAtMs, nowMs);
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
