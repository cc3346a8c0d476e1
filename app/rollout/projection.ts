import { formatBasisPoints } from "./percent";
import { MODE_LABELS, MODES, modeRank, type Mode } from "./modes";
import { rampStatus } from "./ramp";

const DAY = 86_400_000;
/** Paces are read over the last two weeks: long enough to span ramp steps, short enough to follow a change of plan. */
const PACE_DAYS = 14;

export interface RungProjection {
  mode: Mode;
  /** Percent of users on this rung or a later one, today. */
  reached: number;
  /** Points of users a day onto this rung or beyond, over the pace window; null without two days of history. */
  pacePerDay: number | null;
  /** ISO time when everyone is on this rung or beyond at that pace; null when there is no forward pace. */
  projectedAt: string | null;
  paceText: string;
  /** What would move the date: the cohorts that put users on this rung or beyond, and their ramps. */
  movers: string[];
}

export interface ProjectionCohort {
  id: string;
  name: string;
  mode: Mode;
  percentBasisPoints: number;
  rampSteps: number[] | null;
  rampEveryHours: number | null;
  rampClockAt: Date;
}

/** Shares per rung per day (percent, oldest first), as the progress chart draws them. */
type Day = { day: string } & Record<Mode, number>;

function reachedOn(day: Day, rank: number): number {
  return MODES.slice(rank).reduce((sum, mode) => sum + day[mode], 0);
}

function moversFor(rank: number, cohorts: ProjectionCohort[], blocked: Set<string>, now: number): string[] {
  const onOrBeyond = cohorts.filter((c) => modeRank(c.mode) >= rank);
  if (onOrBeyond.length === 0) return [`no cohort puts users on ${MODE_LABELS[MODES[rank]]} yet: add one, or move a cohort up to it`];
  return onOrBeyond.map((c) => {
    const at = `${c.name} (${MODE_LABELS[c.mode]}, ${formatBasisPoints(c.percentBasisPoints)})`;
    if (blocked.has(c.id)) return `${at}: its ramp waits on a gate; clearing the gate moves the date closer`;
    if (c.rampSteps && c.rampEveryHours) {
      const status = rampStatus({ steps: c.rampSteps, everyHours: c.rampEveryHours }, c.percentBasisPoints, c.rampClockAt.getTime(), now);
      if (status.state !== "complete")
        return `${at}: ramps to ${formatBasisPoints(status.nextBasisPoints)} next; shorter intervals or bigger steps move the date closer`;
    }
    if (c.percentBasisPoints >= 10_000) return `${at}: complete; only widening who it covers moves more users`;
    return `${at}: no ramp scheduled; raising its share or scheduling a ramp moves the date closer`;
  });
}

/**
 * Projected completion of each rung from its own pace: for dual write, when everyone writes to both databases;
 * for target only, when the source is retired. A rung whose share does not grow has no date, and says why.
 */
export function projectRungs(days: Day[], cohorts: ProjectionCohort[], blocked: Set<string>, now: number): RungProjection[] {
  const window = days.slice(-PACE_DAYS);
  return MODES.slice(1).map((mode) => {
    const rank = modeRank(mode);
    const movers = moversFor(rank, cohorts, blocked, now);
    if (window.length === 0) return { mode, reached: 0, pacePerDay: null, projectedAt: null, paceText: "no history yet", movers };
    const last = reachedOn(window[window.length - 1], rank);
    if (last >= 99.995) return { mode, reached: last, pacePerDay: 0, projectedAt: null, paceText: "everyone is there", movers: [] };
    if (window.length < 2) return { mode, reached: last, pacePerDay: null, projectedAt: null, paceText: "not enough history for a pace yet", movers };
    const pace = (last - reachedOn(window[0], rank)) / (window.length - 1);
    const over = `over the last ${window.length} days`;
    if (pace <= 0) return { mode, reached: last, pacePerDay: pace, projectedAt: null, paceText: `no progress ${over}: no date at this pace`, movers };
    return {
      mode,
      reached: last,
      pacePerDay: pace,
      projectedAt: new Date(now + ((100 - last) / pace) * DAY).toISOString(),
      paceText: `${pace.toFixed(2)} points of users a day ${over}`,
      movers,
    };
  });
}
