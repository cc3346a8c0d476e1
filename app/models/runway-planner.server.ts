import { desc } from "drizzle-orm";
import { runwayProposals } from "../../db/schema";
import { HEALTH_METRICS } from "../health/series";
import { effectiveFailsafeAge } from "../health/xid-limits";
import { compileRuleset, evaluate } from "../rollout/evaluate";
import type { Mode } from "../rollout/modes";
import { crossingMs, deadlineForShare, type RunwayBasis, type ShareDeadline } from "../runway/projection";
import { recordAudit, type Actor } from "./audit.server";
import { healthSeries } from "./health.server";
import { loadRuleset } from "./ruleset.server";
import { sampleSourceUsers } from "./rollout-population.server";
import { loadXidView } from "./xid.server";
import { controlDb } from "~/utils/db.server";

/** The rate is measured over a week: a whole number of school days and weekends, so neither skews it. */
export const RATE_WINDOW_HOURS = 168;
// PostgreSQL's default vacuum_failsafe_age, when no reading says otherwise (e.g. a replay of series only).
const DEFAULT_FAILSAFE_AGE = 1_600_000_000;

export interface CohortShare {
  id: string;
  name: string;
  mode: Mode;
  basisPoints: number;
  /** Share (0..1) of all write traffic the cohort decides now, and at 100%. */
  writeShareNow: number;
  writeShareFull: number;
}

export interface PlannerBasis {
  basis: RunwayBasis | null;
  /** Why there is no basis (no XID history yet, the source is not PostgreSQL). */
  problem: string | null;
  /** What the figures rest on, in words. */
  rests: { rate: string; shares: string };
  cohorts: CohortShare[];
}

/** The measured XID rate, age and size growth of the source from the stored series (the collector's samples). */
export async function measureSourceRunway(now = Date.now()): Promise<Omit<RunwayBasis, "targetOnlyShareNow" | "failsafeAge"> | null> {
  const from = new Date(now - RATE_WINDOW_HOURS * 3_600_000);
  const rows = await healthSeries("source", [HEALTH_METRICS.nextXid, HEALTH_METRICS.xidAge, HEALTH_METRICS.databaseBytes], from, new Date(now), 2000);
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
  const sizes = rows.filter((r) => r.metric === HEALTH_METRICS.databaseBytes);
  const sizeAt = (at: number) => sizes.filter((r) => r.at.getTime() === at).reduce((sum, r) => sum + r.value, 0);
  const sizeTimes = [...new Set(sizes.map((r) => r.at.getTime()))].sort((a, b) => a - b);
  const sizeSpanDays = sizeTimes.length >= 2 ? (sizeTimes[sizeTimes.length - 1] - sizeTimes[0]) / 86_400_000 : 0;
  return {
    nowMs: last.at.getTime(),
    xidAge: ages.length ? Math.max(...ages.map((r) => r.value)) : 0,
    xidRatePerSecond: xids / seconds,
    rateWindowHours: Math.round(seconds / 3600),
    sizeBytes: sizeTimes.length ? sizeAt(sizeTimes[sizeTimes.length - 1]) : null,
    sizeGrowthBytesPerDay: sizeSpanDays > 0 ? (sizeAt(sizeTimes[sizeTimes.length - 1]) - sizeAt(sizeTimes[0])) / sizeSpanDays : null,
  };
}

/** Each cohort's share of write traffic (the preview's basis: the sample of users and their write weights). */
export async function cohortWriteShares(): Promise<{ cohorts: CohortShare[]; targetOnlyShare: number; shares: string }> {
  const [ruleset, sample] = await Promise.all([loadRuleset(), sampleSourceUsers()]);
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
    return { id: c.id, name: c.name, mode: c.mode, basisPoints: c.percentBasisPoints, writeShareNow: (now.get(c.id) ?? 0) / total, writeShareFull: fullWeight / total };
  });
  const weights = sample.writers ? "write weights from a sample of the activity table" : sample.basis.weightKind === "equal" ? "writes assumed equal per user" : `write weights from ${sample.basis.weightColumn ?? "a column"}`;
  return { cohorts, targetOnlyShare: targetOnly / total, shares: `${users.length.toLocaleString("en")} sampled users of ${sample.population.toLocaleString("en")} (${sample.basis.populationMethod}), ${weights}` };
}

export async function loadPlannerBasis(now = Date.now()): Promise<PlannerBasis> {
  const [measured, view, shares] = await Promise.all([measureSourceRunway(now), loadXidView(), cohortWriteShares()]);
  const failsafe = (view.xid && effectiveFailsafeAge(view.xid.settings)) ?? DEFAULT_FAILSAFE_AGE;
  const rests = {
    rate: measured ? `XID rate ${Math.round(measured.xidRatePerSecond).toLocaleString("en")}/s measured over the last ${measured.rateWindowHours} h; failsafe at ${(failsafe / 1e6).toLocaleString("en")} M${view.xid ? "" : " (PostgreSQL's default: no reading of the setting yet)"}` : "no XID history",
    shares: shares.shares,
  };
  if (!measured) return { basis: null, problem: view.problem ?? "Not enough XID history yet: the collector needs two samples.", rests, cohorts: shares.cohorts };
  return { basis: { ...measured, failsafeAge: failsafe, targetOnlyShareNow: shares.targetOnlyShare }, problem: null, rests, cohorts: shares.cohorts };
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
export async function loadRunwayOverview(): Promise<{ deadlineMs: number | null; kind: ShareDeadline["kind"] | null; failsafeMs: number | null; rests: string | null; error: string | null }> {
  try {
    const planner = await loadPlannerBasis();
    if (!planner.basis) return { deadlineMs: null, kind: null, failsafeMs: null, rests: null, error: planner.problem };
    const deadline = deadlineForShare(planner.basis, 0.5, planner.basis.failsafeAge, planner.basis.nowMs + 90 * 86_400_000);
    return { deadlineMs: deadline.kind === "by" ? deadline.atMs : null, kind: deadline.kind, failsafeMs: crossingMs(planner.basis, [], planner.basis.failsafeAge), rests: planner.rests.rate, error: null };
  } catch (error) {
    // The Overview still renders when the source cannot be sampled; the card says why.
    return { deadlineMs: null, kind: null, failsafeMs: null, rests: null, error: error instanceof Error ? error.message : String(error) };
  }
}
