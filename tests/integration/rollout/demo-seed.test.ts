import { describe, expect, it } from "vitest";
import { seedRolloutCohorts } from "../../../db/seed/rollout-cohorts";
import { compileRuleset } from "../../../app/rollout/evaluate";
import { createControlDatabase } from "../../support/control-db";

describe("demo cohorts seeder", () => {
  it("seeds cohorts and a ruleset history once, matching the current state", async () => {
    const db = await createControlDatabase("rollout_seed");
    try {
      const urls = { controlUrl: db.url, sourceUrl: db.url, targetUrl: db.url };
      await seedRolloutCohorts(urls);
      await seedRolloutCohorts(urls); // idempotent: a second start finds the cohorts
      const cohorts = await db.sql`select name, mode, percent_basis_points as bp, salt from cohorts order by priority`;
      expect(cohorts.map((c) => [c.name, c.mode, c.bp])).toEqual([
        ["Internal staff", "shadow_read", 10_000],
        ["Oceania schools", "dual_write", 5000],
        ["Everyone", "dual_write", 1000],
      ]);
      const versions = await db.sql`select version, ruleset from ruleset_versions order by version`;
      expect(versions.map((v) => Number(v.version))).toEqual([1, 2, 3, 4, 5]); // bigint comes back as a string
      const [state] = await db.sql`select version from rollout_state`;
      expect(Number(state.version)).toBe(5);
      const latest = versions.at(-1)!.ruleset;
      expect(latest.cohorts.map((c: { salt: string }) => c.salt)).toEqual(cohorts.map((c) => c.salt));
      expect(() => compileRuleset(latest)).not.toThrow();
    } finally {
      await db.drop();
    }
  });
});
