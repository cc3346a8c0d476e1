import { and, asc, desc, eq, gte, isNotNull, lt } from "drizzle-orm";
import { cohorts, rampEvents, rulesetVersions } from "../../db/schema";
import { compileRuleset, evaluate } from "../rollout/evaluate";
import { MODES, modeRank, type Mode } from "../rollout/modes";
import type { Ruleset } from "../rollout/types";
import { sampleSourceUsers } from "./rollout-population.server";
import { controlDb } from "~/utils/db.server";

const DAY = 86_400_000;
// Enough for shares to the nearest ~2%: the chart shows a trend, previews use the full sample.
const PROGRESS_SAMPLE = 2000;

export type ProgressDay = { day: string } & Record<Mode, number>;

export interface RolloutProgress {
  days: ProgressDay[];
  waiting: { cohortId: string; name: string; detail: string; at: string }[];
  /** ISO date when everyone reaches target_only at the pace of the window; null when there is no forward pace. */
  projectedTargetOnly: string | null;
  paceText: string;
  sampleError: string | null;
}

/** Rollout progress for the Overview: share of users per rung per day, ramps waiting on gates, projected finish. */
export async function loadRolloutProgress(windowDays = 30, now = Date.now()): Promise<RolloutProgress> {
  const since = new Date(Math.floor((now - windowDays * DAY) / DAY) * DAY);
  const db = controlDb();
  const [inWindow, [beforeWindow], planned, sample] = await Promise.all([
    db.select({ ruleset: rulesetVersions.ruleset, at: rulesetVersions.at }).from(rulesetVersions).where(gte(rulesetVersions.at, since)).orderBy(asc(rulesetVersions.version)),
    db.select({ ruleset: rulesetVersions.ruleset, at: rulesetVersions.at }).from(rulesetVersions).where(lt(rulesetVersions.at, since)).orderBy(desc(rulesetVersions.version)).limit(1),
    db.select({ id: cohorts.id, name: cohorts.name }).from(cohorts).where(and(isNotNull(cohorts.rampSteps), isNotNull(cohorts.rampEveryHours))),
    sampleSourceUsers(),
  ]);
  const versions = beforeWindow ? [beforeWindow, ...inWindow] : inWindow;
  const users = sample.users.slice(0, PROGRESS_SAMPLE);
  const days: ProgressDay[] = [];
  if (versions.length > 0 && users.length > 0) {
    const firstDay = Math.max(since.getTime(), Math.floor(versions[0].at.getTime() / DAY) * DAY);
    let v = 0;
    let current: Ruleset | null = null;
    for (let day = firstDay; day <= now; day += DAY) {
      const end = day + DAY;
      while (v < versions.length && versions[v].at.getTime() < end) current = versions[v++].ruleset;
      if (!current) continue;
      // The emergency switch is a moment, not progress: the chart shows where the cohorts stand.
      const compiled = compileRuleset({ ...current, emergency: null });
      const counts = new Array<number>(MODES.length).fill(0);
      for (const u of users) counts[modeRank(evaluate(compiled, u.id, u.attributes, Math.min(end, now)).mode)]++;
      const entry = { day: new Date(day).toISOString().slice(0, 10) } as ProgressDay;
      MODES.forEach((mode, i) => (entry[mode] = Math.round((counts[i] / users.length) * 10_000) / 100));
      days.push(entry);
    }
  }
  const waiting: RolloutProgress["waiting"] = [];
  for (const cohort of planned) {
    const [last] = await db.select().from(rampEvents).where(eq(rampEvents.cohortId, cohort.id)).orderBy(desc(rampEvents.id)).limit(1);
    if (last && last.outcome === "blocked") waiting.push({ cohortId: cohort.id, name: cohort.name, detail: last.detail, at: last.at.toISOString() });
  }
  let projectedTargetOnly: string | null = null;
  let paceText = "not enough history for a pace yet";
  if (days.length >= 2) {
    const first = days[0].target_only;
    const last = days[days.length - 1].target_only;
    const pace = (last - first) / (days.length - 1);
    if (last >= 100) {
      paceText = "everyone is on target only";
      projectedTargetOnly = days[days.length - 1].day;
    } else if (pace > 0) {
      projectedTargetOnly = new Date(now + ((100 - last) / pace) * DAY).toISOString().slice(0, 10);
      paceText = `${pace.toFixed(2)} points of users a day onto target only over the last ${days.length} days`;
    } else {
      paceText = `no progress onto target only over the last ${days.length} days`;
    }
  }
  return { days, waiting, projectedTargetOnly, paceText, sampleError: sample.error };
}
