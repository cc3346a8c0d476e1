import { desc } from "drizzle-orm";
import { runwayProposals } from "../../db/schema";
import { HEALTH_METRICS } from "../health/series";
import { formatBytes, formatCount } from "~/format/quantities";
import { formatRunway } from "../health/xid-forecast";
import { effectiveFailsafeAge } from "../health/xid-limits";
import { compileRuleset, evaluate } from "../rollout/evaluate";
import type { CohortShare } from "../runway/plan";
import { crossingMs, deadlineForShare, type RunwayBasis, type ShareDeadline } from "../runway/projection";
import { recordAudit, type Actor } from "./audit.server";
import { loadCapacityView } from "./capacity.server";
import { healthSeries } from "./health.server";
import { controlSql } from "~/utils/db.server";
import { listRampingCohorts } from "./cohort.server";
import { loadRuleset } from "./ruleset.server";
import { sampleSourceUsers } from "./rollout-population.server";
import { loadXidView } from "./xid.server";
import { controlDb } from "~/utils/db.server";

/** The rate is measured over a week: a whole number of school days and weekends, so neither skews it. */
export const RATE_WINDOW_HOURS = 168;
/** healthSeries() reads raw readings for spans up to 12 h. */
const RAW_RATE_WINDOW_MS = 12 * 3_600_000;
// PostgreSQL's default vacuum_failsafe_age, when no reading says otherwise (e.g. a replay of series only).
const DEFAULT_FAILSAFE_AGE = 1_600_000_000;

export type { CohortShare };

export interface PlannerBasis {
  basis: RunwayBasis | null;
  /** Why there is no basis (no XID history yet, the source is not PostgreSQL). */
  problem: string | null;
  /** What the figures rest on, in words. */
  rests: { rate: string; size: string; shares: string };
  /** The disk size set on the Capacity page, and the days until the size reaches it at today's ladder (its runway). */
  diskBytes: number | null;
  diskFullDays: number | null;
  cohorts: CohortShare[];
}

/** The measured XID rate, age and size growth of the source from the stored series (the collector's samples). */
export async function measureSourceRunway(
  now = Date.now(),
): Promise<(Omit<RunwayBasis, "targetOnlyShareNow" | "failsafeAge"> & { diskFullDays: number | null }) | null> {
  const from = new Date(now - RATE_WINDOW_HOURS * 3_600_000);
  const metrics = [HEALTH_METRICS.nextXid, HEALTH_METRICS.xidAge];
  let rows = await healthSeries("source", metrics, from, new Date(now), 2000);
  // A week is read from hourly rows. A collector younger than the raw window has few of them, and averages of
  // partial hours a minute apart would read as an hour's worth of XIDs: measure over its raw readings instead
  // (as the Wraparound page does) rather than say "no history" or understate the rate.
  const hourly = rows.filter((r) => r.metric === HEALTH_METRICS.nextXid).map((r) => r.at.getTime());
  if (hourly.length < 2 || Math.max(...hourly) - Math.min(...hourly) < RAW_RATE_WINDOW_MS) {
    rows = await healthSeries("source", metrics, new Date(now - RAW_RATE_WINDOW_MS), new Date(now), 2000);
  }
  const counter = rows.filter((r) => r.metric === HEALTH_METRICS.nextXid);
  if (counter.length < 2) return null;
  const last = counter[counter.length - 1];
  // XIDs over time between consecutive samples; a counter that goes backwards (failover, a re-seeded history)
  // starts afresh rather than cancelling what was measured before it.
  let xids = 0;
  let seconds = 0;
  for (let i = 1; i < counter.length; i++) {
    const dx = counter[i].value - counter[i - 1].value;
    const dt = (counter[i].at.getTime() - counter[i - 1].at.getTime()) / 1000;
    if (dx >= 0 && dt > 0) [xids, seconds] = [xids + dx, seconds + dt];
  }
  if (seconds <= 0) return null;
  const lastAt = (metric: string) => {
    const of = rows.filter((r) => r.metric === metric);
    const at = Math.max(...of.map((r) => r.at.getTime()));
    return { at, rows: of.filter((r) => r.at.getTime() === at) };
  };
  const ages = lastAt(HEALTH_METRICS.xidAge).rows;
  const size = await measureSourceSize(now);
  return {
    nowMs: last.at.getTime(),
    xidAge: ages.length ? Math.max(...ages.map((r) => r.value)) : 0,
    xidRatePerSecond: xids / seconds,
    rateWindowHours: seconds / 3600,
    ...size,
  };
}

/**
 * The source's size and growth as the Capacity page fits them (its view, least squares over the runway window), so
 * the planner's disk curve and the Capacity page's runway to the disk size rest on one trend.
 */
async function measureSourceSize(now: number) {
  const view = await loadCapacityView("source", controlSql(), now);
  const growth = view.summary?.databaseGrowth ?? null;
  return {
    sizeBytes: view.capacity?.engine === "postgresql" ? view.capacity.databaseBytes : null,
    sizeGrowthBytesPerDay: growth?.bytesPerDay ?? null,
    sizeWindowHours: growth?.windowHours ?? null,
    diskFullDays: view.summary?.databaseDaysToFull ?? null,
  };
}

/** Each cohort's share of write traffic (the preview's basis: the sample of users and their write weights). */
export async function cohortWriteShares(): Promise<{ cohorts: CohortShare[]; targetOnlyShare: number; shares: string }> {
  const [ruleset, sample, ramping] = await Promise.all([loadRuleset(), sampleSourceUsers(), listRampingCohorts()]);
  const ramps = new Map(ramping.map((c) => [c.id, { steps: c.rampSteps!, everyHours: c.rampEveryHours!, clockAtMs: c.rampClockAt.getTime() }]));
  if (sample.error) throw new Error(sample.error);
  const users = sample.writers ?? sample.users;
  const total = users.reduce((sum, u) => sum + (u.writeWeight ?? 1), 0) || 1;
  const base = { ...ruleset, emergency: null };
  const compiled = compileRuleset(base);
  const now = new Map<string, number>();
  let targetOnly = 0;
  for (const u of users) {
    const a = evaluate(compiled, u.id, u.attributes);
    if (a.cohort) now.set(a.cohort.id, (now.get(a.cohort.id) ?? 0) + (u.writeWeight ?? 1));
    if (a.mode === "target_only") targetOnly += u.writeWeight ?? 1;
  }
  const cohorts = ruleset.cohorts.map((c) => {
    // The cohort at 100% (others unchanged): what it would take off the source once fully on target_only.
    const full = compileRuleset({ ...base, cohorts: base.cohorts.map((o) => (o.id === c.id ? { ...o, percentBasisPoints: 10_000 } : o)) });
    const fullWeight = users.reduce((sum, u) => sum + (evaluate(full, u.id, u.attributes).cohort?.id === c.id ? (u.writeWeight ?? 1) : 0), 0);
    return {
      id: c.id,
      name: c.name,
      mode: c.mode,
      basisPoints: c.percentBasisPoints,
      writeShareNow: (now.get(c.id) ?? 0) / total,
      writeShareFull: fullWeight / total,
      ramp: ramps.get(c.id) ?? null,
    };
  });
  const weights = sample.writers
    ? "write weights from a sample of the activity table"
    : sample.basis.weightKind === "equal"
      ? "writes assumed equal per user"
      : `write weights from ${sample.basis.weightColumn ?? "a column"}`;
  return {
    cohorts,
    targetOnlyShare: targetOnly / total,
    shares: `${users.length.toLocaleString("en")} sampled users of ${sample.population.toLocaleString("en")} (${sample.basis.populationMethod}), ${weights}`,
  };
}

/** "30 s", "12 min", "31 h", "7.0 days": the measuring window in words (a young collector's is under a minute). */
function spanWords(hours: number): string {
  return hours * 3600 < 90 ? `${Math.round(hours * 3600)} s` : formatRunway(hours);
}

/** "0.44/s", "1,234/s": small rates keep their decimals, so a quiet demo does not read as "0/s". */
function perSecond(rate: number): string {
  return rate < 10 ? `${rate.toFixed(2)}/s` : `${Math.round(rate).toLocaleString("en")}/s`;
}

/**
 * The XID rate the planner projects from. Until the readings cover 12 h, its own average is no steadier than the
 * 15-minute smoothed rate every other page forecasts from, so it takes that one: the Overview, Wraparound and the
 * planner then give one runway. From 12 h on it averages its window (up to a week), which a day's rhythm cannot
 * swing, and says what the smoothed rate is when they differ.
 */
function plannerRate(measured: { xidRatePerSecond: number; rateWindowHours: number }, smoothedRate: number | null) {
  const long = measured.rateWindowHours * 3_600_000 >= RAW_RATE_WINDOW_MS;
  if (!long && smoothedRate !== null) {
    return {
      rate: smoothedRate,
      words: `${perSecond(smoothedRate)} (${formatCount(smoothedRate * 86_400)} a day) smoothed over 15 min, as on the Wraparound page (the planner averages its own window once the readings cover 12 h; they cover ${spanWords(measured.rateWindowHours)})`,
    };
  }
  const differs = smoothedRate !== null && Math.abs(smoothedRate - measured.xidRatePerSecond) > 0.05 * Math.max(smoothedRate, measured.xidRatePerSecond);
  return {
    rate: measured.xidRatePerSecond,
    words: `${perSecond(measured.xidRatePerSecond)} (${formatCount(measured.xidRatePerSecond * 86_400)} a day) measured over the last ${spanWords(measured.rateWindowHours)}${
      differs ? ` (the Wraparound page forecasts from its 15-minute smoothed rate, now ${perSecond(smoothedRate)})` : ""
    }`,
  };
}

export async function loadPlannerBasis(now = Date.now()): Promise<PlannerBasis> {
  const [measured, view, shares] = await Promise.all([measureSourceRunway(now), loadXidView(), cohortWriteShares()]);
  const failsafe = (view.xid && effectiveFailsafeAge(view.xid.settings)) ?? DEFAULT_FAILSAFE_AGE;
  const rate = measured ? plannerRate(measured, view.xidRate) : null;
  const rests = {
    rate: rate
      ? `XID rate ${rate.words}; failsafe at age ${formatCount(failsafe)}${view.xid ? " (vacuum_failsafe_age)" : " (PostgreSQL's default: no reading of the setting yet)"}`
      : "no XID history",
    size:
      !measured || measured.sizeBytes === null
        ? "no database size read yet (the collector reads sizes every 5 minutes)"
        : measured.sizeGrowthBytesPerDay === null
          ? `database size ${formatBytes(measured.sizeBytes)}; its growth needs a second size reading (every 5 minutes)`
          : `database size ${formatBytes(measured.sizeBytes)}, growing ${formatBytes(measured.sizeGrowthBytesPerDay)} a day (least-squares fit over the last ${spanWords(measured.sizeWindowHours ?? 0)}, as the Capacity page fits it)`,
    shares: shares.shares,
  };
  const diskBytes = view.thresholds.sourceDiskBytes ?? null;
  if (!measured || !rate)
    return {
      basis: null,
      problem: view.problem ?? "Not enough XID history yet: the collector needs two samples.",
      rests,
      diskBytes,
      diskFullDays: null,
      cohorts: shares.cohorts,
    };
  const { diskFullDays, ...runway } = measured;
  return {
    basis: { ...runway, xidRatePerSecond: rate.rate, failsafeAge: failsafe, targetOnlyShareNow: shares.targetOnlyShare },
    problem: null,
    rests,
    diskBytes,
    diskFullDays,
    cohorts: shares.cohorts,
  };
}

export interface RunwayPlan {
  /** Per cohort: when it moves to target_only and at what percentage (basis points). */
  moves: { cohortId: string; atMs: number; basisPoints: number }[];
}

/** Saves a what-if as a proposal (audited). It changes no rule: moving cohorts goes through their own pages and gates. */
export async function saveRunwayProposal(actor: Actor, plan: RunwayPlan, projection: unknown, reason: string) {
  return controlDb().transaction(async (tx) => {
    const [row] = await tx.insert(runwayProposals).values({ createdBy: actor.label, reason, plan, projection }).returning({ id: runwayProposals.id });
    await recordAudit(actor, { action: "runway.proposal", entityType: "runway_proposal", entityId: row.id, after: { plan, projection }, reason }, tx);
    return row.id;
  });
}

export async function listRunwayProposals(limit = 20) {
  return controlDb().select().from(runwayProposals).orderBy(desc(runwayProposals.createdAt)).limit(limit);
}

/** The Overview's runway figure: by when half the writes must be on target_only (the planner's defaults). */
export async function loadRunwayOverview(): Promise<{
  deadlineMs: number | null;
  kind: ShareDeadline["kind"] | null;
  failsafeMs: number | null;
  rests: string | null;
  error: string | null;
}> {
  try {
    const planner = await loadPlannerBasis();
    if (!planner.basis) return { deadlineMs: null, kind: null, failsafeMs: null, rests: null, error: planner.problem };
    const deadline = deadlineForShare(planner.basis, 0.5, planner.basis.failsafeAge, planner.basis.nowMs + 90 * 86_400_000);
    // No horizon for today's ladder: the date is the one the Wraparound page's runway gives, however far.
    const failsafeMs = crossingMs(planner.basis, [], planner.basis.failsafeAge, Infinity);
    return {
      deadlineMs: deadline.kind === "by" ? deadline.atMs : deadline.kind === "not_needed" ? deadline.untilMs : null,
      kind: deadline.kind,
      failsafeMs,
      rests: planner.rests.rate,
      error: null,
    };
  } catch (error) {
    // The Overview still renders when the source cannot be sampled; the card says why.
    return { deadlineMs: null, kind: null, failsafeMs: null, rests: null, error: error instanceof Error ? error.message : String(error) };
  }
}
