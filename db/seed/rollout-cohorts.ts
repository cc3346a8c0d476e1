import postgres from "postgres";
import type { DemoUrls } from "./urls";

const DAY = 86_400_000;

/**
 * Demo cohorts at the stage Kami's migration reached mid-way: staff first, then Oceania, then a growing share of
 * everyone, with ruleset versions spread over the last two weeks so the Overview's progress chart has a history.
 * Written directly (no gates): this is history, not a change being made now.
 */
export async function seedRolloutCohorts(urls: DemoUrls) {
  const sql = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      const cohorts = [
        { name: "Internal staff", priority: 10, mode: "shadow_read", bp: 10_000, constraints: { plans: ["district"] }, budget: 0.001 },
        { name: "Oceania schools", priority: 20, mode: "dual_write", bp: 5000, constraints: { regions: ["oceania"] }, budget: 0.002 },
        { name: "Everyone", priority: 100, mode: "dual_write", bp: 1000, constraints: {}, budget: 0.005 },
      ];
      const steps: { at: number; cohorts: typeof cohorts }[] = [];
      // Day -14: staff only; day -10: Oceania joins; then "Everyone" ramps 1% -> 5% -> 10%.
      steps.push({ at: Date.now() - 14 * DAY, cohorts: [{ ...cohorts[0], mode: "dual_write" }] });
      steps.push({ at: Date.now() - 10 * DAY, cohorts: [cohorts[0], { ...cohorts[1], bp: 2500 }] });
      steps.push({ at: Date.now() - 6 * DAY, cohorts: [cohorts[0], cohorts[1], { ...cohorts[2], bp: 100 }] });
      steps.push({ at: Date.now() - 3 * DAY, cohorts: [cohorts[0], cohorts[1], { ...cohorts[2], bp: 500 }] });
      steps.push({ at: Date.now() - 1 * DAY, cohorts });
      const ids = new Map<string, string>();
      for (const c of cohorts) {
        const [row] = await tx`
          insert into cohorts (name, description, priority, mode, percent_basis_points, salt, constraints, mismatch_budget, ramp_steps, ramp_every_hours)
          values (${c.name}, ${"demo cohort"}, ${c.priority}, ${c.mode}, ${c.bp}, ${`${c.name}:demo`}, ${tx.json(c.constraints)}, ${c.budget},
                  ${c.name === "Everyone" ? [100, 500, 1000, 2500, 5000, 10_000] : null}, ${c.name === "Everyone" ? 24 : null})
          on conflict (name) do nothing returning id`;
        if (!row) return; // seeded before
        ids.set(c.name, row.id);
      }
      let version = 0;
      for (const step of steps) {
        version++;
        const ruleset = {
          version,
          defaultMode: "source_only",
          emergency: null,
          pins: [],
          cohorts: step.cohorts.map((c) => ({
            id: ids.get(c.name)!,
            name: c.name,
            priority: c.priority,
            mode: c.mode,
            percentBasisPoints: c.bp,
            salt: `${c.name}:demo`,
            constraints: c.constraints,
          })),
        };
        await tx`insert into ruleset_versions (version, ruleset, actor_label, reason, at) values (${version}, ${tx.json(ruleset)}, ${"demo"}, ${"demo history"}, ${new Date(step.at)})`;
      }
      await tx`insert into rollout_state (id, version) values (1, ${version}) on conflict (id) do update set version = ${version}`;
    });
  } finally {
    await sql.end();
  }
}
