import { asc, desc, eq, gte, lt } from "drizzle-orm";
import { cohorts, rampEvents, rulesetVersions } from "../../db/schema";
import { compileRuleset, evaluate } from "../rollout/evaluate";
import { MODES, modeRank, type Mode } from "../rollout/modes";
import { projectRungs, type RungProjection } from "../rollout/projection";
import type { PreviewUser } from "../rollout/preview";
import type { Ruleset } from "../rollout/types";
import { loadRungCounts, type RungCounts } from "./rung-counts.server";
import { controlDb } from "~/utils/db.server";

const DAY = 86_400_000;

export type ProgressDay = { day: string } & Record<Mode, number>;

export interface RolloutProgress {
  days: ProgressDay[];
  waiting: { cohortId: string; name: string; detail: string; at: string }[];
  /** Per rung past the first: when everyone stands on it or beyond, at that rung's own pace, and what would move it. */
  projections: RungProjection[];
  sampleError: string | null;
}

let cachedDays: { users: PreviewUser[]; version: number; hour: number; days: ProgressDay[] } | null = null;

/**
 * Rollout progress for the Overview: share of users per rung per day, ramps waiting on gates, projected dates.
 * The shares come from the same users as the rung counts (loadRungCounts), so today's point is the same figure
 * the Overview and Cohorts print (the emergency switch aside: the chart shows where the cohorts stand).
 */
export async function loadRolloutProgress(counts: RungCounts, windowDays = 30, now = Date.now()): Promise<RolloutProgress> {
  const since = new Date(Math.floor((now - windowDays * DAY) / DAY) * DAY);
  const db = controlDb();
  const [inWindow, [beforeWindow], planned, current] = await Promise.all([
    db
      .select({ ruleset: rulesetVersions.ruleset, at: rulesetVersions.at })
      .from(rulesetVersions)
      .where(gte(rulesetVersions.at, since))
      .orderBy(asc(rulesetVersions.version)),
    db
      .select({ ruleset: rulesetVersions.ruleset, at: rulesetVersions.at })
      .from(rulesetVersions)
      .where(lt(rulesetVersions.at, since))
      .orderBy(desc(rulesetVersions.version))
      .limit(1),
    db
      .select({
        id: cohorts.id,
        name: cohorts.name,
        mode: cohorts.mode,
        percentBasisPoints: cohorts.percentBasisPoints,
        rampSteps: cohorts.rampSteps,
        rampEveryHours: cohorts.rampEveryHours,
        rampClockAt: cohorts.rampClockAt,
      })
      .from(cohorts),
    db.select({ version: rulesetVersions.version }).from(rulesetVersions).orderBy(desc(rulesetVersions.version)).limit(1),
  ]);
  const versions = beforeWindow ? [beforeWindow, ...inWindow] : inWindow;
  const users = counts.users;
  const latestVersion = current[0]?.version ?? 0;
  const hour = Math.floor(now / 3_600_000);
  const reuse = cachedDays && cachedDays.users === users && cachedDays.version === latestVersion && cachedDays.hour === hour;
  const days: ProgressDay[] = reuse ? cachedDays!.days : [];
  if (!reuse && versions.length > 0 && users.length > 0) {
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
    cachedDays = { users, version: latestVersion, hour, days };
  }
  const waiting: RolloutProgress["waiting"] = [];
  for (const cohort of planned.filter((c) => c.rampSteps && c.rampEveryHours)) {
    const [last] = await db.select().from(rampEvents).where(eq(rampEvents.cohortId, cohort.id)).orderBy(desc(rampEvents.id)).limit(1);
    if (last && last.outcome === "blocked") waiting.push({ cohortId: cohort.id, name: cohort.name, detail: last.detail, at: last.at.toISOString() });
  }
  const projections = projectRungs(days, planned, new Set(waiting.map((w) => w.cohortId)), now);
  return { days, waiting, projections, sampleError: counts.error };
}

/** The Overview's rollout section: rung counts (without the evaluated users) and the progress built on them. */
export async function loadRolloutOverview(now = Date.now()) {
  const counts = await loadRungCounts(now);
  const progress = await loadRolloutProgress(counts, 30, now);
  const { users: _users, ...shown } = counts;
  return { counts: shown, progress };
}
