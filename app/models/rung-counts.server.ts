import { MODES, type Mode } from "../rollout/modes";
import { describeBasis, type FigureBasis } from "../rollout/population";
import { modeDistribution, type PreviewUser } from "../rollout/preview";
import type { Ruleset } from "../rollout/types";
import { sampleSourceUsers } from "./rollout-population.server";
import { loadRuleset } from "./ruleset.server";

export interface RungCount {
  mode: Mode;
  /** Users on the rung: counted when every user was evaluated, else the sample's share scaled to the population. */
  users: number;
  share: number;
}

export interface RungCounts {
  rungs: RungCount[];
  /** exact (every user evaluated) or sampled/estimated, with the sentence that says how. */
  basis: FigureBasis;
  emergency: Ruleset["emergency"];
  error: string | null;
  /** The evaluated users, for figures that must agree with these counts (the progress chart). */
  users: PreviewUser[];
  population: number;
}

/**
 * Users per rung right now, the emergency switch included: the one source of truth the Overview and Cohorts both
 * show, so their figures are the same numbers from the same (cached) sample of the source's users table.
 */
export async function loadRungCounts(now = Date.now()): Promise<RungCounts> {
  const [ruleset, sample] = await Promise.all([loadRuleset(), sampleSourceUsers()]);
  const basis = describeBasis(sample.basis).users;
  const exact = basis.kind === "exact";
  const rungs = modeDistribution(ruleset, sample.users, now).map((d) => ({
    mode: d.mode,
    users: exact ? d.users : Math.round(d.share * sample.population),
    share: d.share,
  }));
  return {
    rungs: MODES.map((m) => rungs.find((r) => r.mode === m)!),
    basis,
    emergency: ruleset.emergency,
    error: sample.error,
    users: sample.users,
    population: sample.population,
  };
}
