import { gauge } from "./gauge";
import type { MetricFamily } from "./prometheus";
import { modeDistribution } from "~/rollout/preview";
import { loadRuleset } from "~/models/ruleset.server";
import { sampleSourceUsers } from "~/models/rollout-population.server";
import { controlSql } from "~/utils/db.server";

/**
 * The rollout: users and their share per rung (the shared evaluation over the population sample, cached a
 * minute), each cohort's percentage, the emergency switch, gate results and blocked ramps. Cohort names are
 * labels: there are tens of cohorts, not thousands.
 */
export async function rolloutMetrics(): Promise<MetricFamily[]> {
  const sql = controlSql();
  const [ruleset, sample, gates, ramps] = await Promise.all([
    loadRuleset(),
    sampleSourceUsers(),
    sql<{ cohort: string; gate: string; passed: boolean; at: number }[]>`
      select c.name as cohort, g.gate, g.passed, floor(extract(epoch from g.at))::float8 as at from gate_states g join cohorts c on c.id = g.cohort_id`,
    sql<{ cohort: string; outcome: string }[]>`
      select c.name as cohort, e.outcome from cohorts c
      join lateral (select outcome from ramp_events where cohort_id = c.id order by id desc limit 1) e on true
      where c.ramp_steps is not null`,
  ]);
  const families: MetricFamily[] = [];
  if (!sample.error && sample.users.length > 0) {
    // The switch is left out as on the Overview: it is a moment, the rungs say where the cohorts stand.
    const distribution = modeDistribution({ ...ruleset, emergency: null }, sample.users);
    families.push(
      gauge(
        "cutover_rollout_users",
        "Users on each rung of the ladder (population x the sampled share)",
        distribution.map((d) => ({ labels: { mode: d.mode }, value: Math.round(d.share * sample.population) })),
      ),
      gauge(
        "cutover_rollout_users_ratio",
        "Share of users on each rung of the ladder (0..1)",
        distribution.map((d) => ({ labels: { mode: d.mode }, value: d.share })),
      ),
    );
  }
  families.push(
    gauge("cutover_rollout_sample_up", "1 if the population sample behind the rung figures could be read from the source", [{ value: sample.error ? 0 : 1 }]),
    gauge("cutover_ruleset_version", "Version of the ruleset served to the application servers", [{ value: ruleset.version }]),
    gauge("cutover_emergency_switch_on", "1 while the emergency switch sends everyone to one mode", [{ value: ruleset.emergency ? 1 : 0 }]),
    gauge(
      "cutover_cohort_target_ratio",
      "Share of its matching users a cohort moves to its mode (0..1)",
      ruleset.cohorts.map((c) => ({ labels: { cohort: c.name, mode: c.mode }, value: c.percentBasisPoints / 10_000 })),
    ),
    gauge(
      "cutover_gate_passed",
      "1 if the gate passed at the cohort's latest advance attempt, 0 if it blocked it",
      gates.map((g) => ({ labels: { cohort: g.cohort, gate: g.gate }, value: g.passed ? 1 : 0 })),
    ),
    gauge(
      "cutover_gate_checked_timestamp_seconds",
      "When the gate was last evaluated for the cohort (Unix time)",
      gates.map((g) => ({ labels: { cohort: g.cohort, gate: g.gate }, value: g.at })),
    ),
    gauge(
      "cutover_ramp_blocked",
      "1 if the cohort's scheduled ramp waits on a closed gate (its latest step was blocked)",
      ramps.map((r) => ({ labels: { cohort: r.cohort }, value: r.outcome === "blocked" ? 1 : 0 })),
    ),
  );
  return families;
}
