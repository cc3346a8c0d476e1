import { bucketWithSeed } from "./bucket";
import type { Mode } from "./modes";
import type { Assignment, UserAttributes } from "./types";
import type { CompiledPin, CompiledRuleset } from "./compile";
import { evaluate, matchesConstraints } from "./evaluate";

/** One cohort's verdict on a user, for the support page's "why". */
export interface CohortTrace {
  cohort: { id: string; name: string };
  mode: Mode;
  percentBasisPoints: number;
  constraintsMatch: boolean;
  bucket: number;
  covers: boolean;
  decided: boolean;
}

export interface AssignmentTrace {
  assignment: Assignment;
  pin: (CompiledPin & { expired: boolean }) | null;
  cohorts: CohortTrace[];
}

/** evaluate() plus every cohort's verdict: slower, for people (the Users page), never for the hot path. */
export function explain(compiled: CompiledRuleset, userId: string, attributes?: UserAttributes, nowMs: number = Date.now()): AssignmentTrace {
  const assignment = evaluate(compiled, userId, attributes, nowMs);
  const pin = compiled.pins.get(userId);
  let decidedSeen = assignment.reason !== "cohort";
  const cohorts = compiled.cohorts.map((cohort) => {
    const constraintsMatch = matchesConstraints(cohort, userId, attributes);
    const bucket = bucketWithSeed(userId, cohort.seed);
    const covers = constraintsMatch && bucket < cohort.percentBasisPoints;
    const decided = !decidedSeen && covers;
    if (decided) decidedSeen = true;
    return {
      cohort: cohort.ref,
      mode: cohort.mode,
      percentBasisPoints: cohort.percentBasisPoints,
      constraintsMatch,
      bucket,
      covers,
      decided,
    };
  });
  return { assignment, pin: pin ? { ...pin, expired: nowMs >= pin.expiresAtMs } : null, cohorts };
}
