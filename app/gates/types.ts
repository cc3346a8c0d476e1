import type { Mode } from "../rollout/modes";

/**
 * A rollout gate: a check that must pass before a cohort advances (manually or by its scheduled ramp).
 * Gates are listed in app/gates/index.server.ts; adding one never touches the rollout code.
 */
export interface GateContext {
  cohortId: string;
  cohortName: string;
  fromMode: Mode;
  toMode: Mode;
  fromBasisPoints: number;
  toBasisPoints: number;
}

export interface GateOutcome {
  passed: boolean;
  /** Shown to the user, e.g. "shadow-read mismatch rate 0.42% over 1 h exceeds the budget of 0.10%". */
  reason: string;
}

export interface Gate {
  id: string;
  label: string;
  check(context: GateContext): Promise<GateOutcome>;
}

export interface GateResult extends GateOutcome {
  gate: string;
  label: string;
}
