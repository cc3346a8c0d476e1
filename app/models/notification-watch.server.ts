import { RUNWAY_STATUS_HOURS } from "~/health/summary";
import { formatRunway } from "~/health/xid-forecast";
import { loadCapacityView } from "./capacity.server";
import { cohortRatesAgainstBudget } from "./comparison.server";
import { listCohortLatencyBudgets } from "./latency-budget.server";
import { cohortSideLatency } from "./operation-latency.server";
import { MIN_TIMINGS_PER_SIDE } from "~/gates/latency-budget.server";
import { formatFactor, formatLatency } from "~/latency/format";
import { notify } from "./notification.server";
import { loadXidView, STALE_READING_MS } from "./xid.server";

function percent(rate: number): string {
  return `${(rate * 100).toFixed(2)}%`;
}

/**
 * Conditions that are states rather than moments (a collector gone quiet, a runway shrinking, a budget exceeded):
 * checked once a minute by the worker from the stored figures, each notifying once per hour while it holds
 * (the dedupe key). The thresholds are the ones the pages colour by and the alerting rules use.
 */
export async function watchConditions(now = Date.now()) {
  const [xid, source, target, rates, latencyBudgets] = await Promise.all([
    loadXidView(undefined, now),
    loadCapacityView("source", undefined, now),
    loadCapacityView("target", undefined, now),
    cohortRatesAgainstBudget(new Date(now)),
    listCohortLatencyBudgets(),
  ]);
  for (const view of [source, target]) {
    const age = view.latest ? now - view.latest.collectedAt.getTime() : null;
    if (age === null || age > STALE_READING_MS) {
      const summary =
        age === null
          ? `no health reading of the ${view.side} yet`
          : `the latest health reading of the ${view.side} is ${Math.round(age / 60_000)} min old: is the worker running?`;
      await notify({
        type: "collector.stale",
        severity: "warning",
        summary,
        detail: { side: view.side, ageSeconds: age === null ? null : Math.round(age / 1000) },
        dedupeKey: `collector.stale:${view.side}`,
      });
    }
    const days = view.summary?.worst?.days;
    if (days != null && days * 24 < RUNWAY_STATUS_HOURS.warningHours) {
      const critical = days * 24 < RUNWAY_STATUS_HOURS.criticalHours;
      await notify({
        type: "runway.low",
        severity: critical ? "critical" : "warning",
        summary: `${view.side} capacity: ${view.summary!.worst!.subject} reaches its threshold in ${formatRunway(days * 24)}`,
        detail: { kind: "capacity", side: view.side, subject: view.summary!.worst!.subject, days },
        dedupeKey: `runway.capacity:${view.side}:${critical ? "critical" : "warning"}`,
      });
    }
  }
  const worst = xid.summary?.worst;
  if (worst && worst.runwayHours !== null && worst.runwayHours < RUNWAY_STATUS_HOURS.warningHours) {
    const critical = worst.runwayHours < RUNWAY_STATUS_HOURS.criticalHours;
    await notify({
      type: "runway.low",
      severity: critical ? "critical" : "warning",
      summary: `source XID: ${worst.sentence}`,
      detail: { kind: "xid", database: worst.name, hours: worst.runwayHours },
      dedupeKey: `runway.xid:${worst.name}:${critical ? "critical" : "warning"}`,
    });
  }
  for (const row of rates) {
    if (row.budget === null || row.rate === null || row.rate <= row.budget) continue;
    await notify({
      type: "mismatch_budget.breached",
      severity: "warning",
      summary: `${row.cohortName}: mismatch rate ${percent(row.rate)} (${row.mismatched} of ${row.compared}) over ${row.windowMinutes} min exceeds its budget of ${percent(row.budget)}`,
      detail: {
        cohortId: row.cohortId,
        cohort: row.cohortName,
        rate: row.rate,
        budget: row.budget,
        compared: row.compared,
        mismatched: row.mismatched,
        windowMinutes: row.windowMinutes,
      },
      dedupeKey: `budget:${row.cohortId}`,
    });
  }
  // The latency gate's own test, on the same figures: raised while it would block the cohort's next step.
  for (const budget of latencyBudgets) {
    if (budget.p99Factor === null) continue;
    const sides = await cohortSideLatency(budget.cohortId, budget.windowMinutes, new Date(now));
    if (!sides.source || !sides.target || sides.source.count < MIN_TIMINGS_PER_SIDE || sides.target.count < MIN_TIMINGS_PER_SIDE) continue;
    const limit = budget.p99Factor * sides.source.p99;
    if (sides.target.p99 <= limit) continue;
    await notify({
      type: "latency_budget.exceeded",
      severity: "warning",
      summary: `${budget.cohortName}: target p99 ${formatLatency(sides.target.p99)} over ${budget.windowMinutes} min exceeds ${formatFactor(budget.p99Factor)} the source's ${formatLatency(sides.source.p99)}`,
      detail: {
        cohortId: budget.cohortId,
        cohort: budget.cohortName,
        targetP99Ms: sides.target.p99,
        sourceP99Ms: sides.source.p99,
        p99Factor: budget.p99Factor,
        windowMinutes: budget.windowMinutes,
      },
      dedupeKey: `latency_budget:${budget.cohortId}`,
    });
  }
}
