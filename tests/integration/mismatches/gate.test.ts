import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { mismatchBudgetGate } from "~/gates/mismatch-budget.server";
import { ingestMismatches } from "~/models/mismatch-ingest.server";
import type { GateContext } from "~/gates/types";
import type { ScratchDatabase } from "../../support/databases";
import { useControlDatabase } from "./use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let sql: ScratchDatabase["sql"];
let cohortId: string;

beforeAll(async () => {
  control = await useControlDatabase("mm_gate");
  sql = control.db.sql;
  const [cohort] = await sql`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, mismatch_budget, budget_window_minutes)
    values ('EU schools', 1, 'shadow_read', 500, 's', 0.001, 60) returning id::text`;
  cohortId = cohort.id;
});
afterAll(async () => {
  await control?.close();
});
beforeEach(async () => {
  await sql`truncate mismatch_comparisons`;
  await sql`update cohorts set mismatch_budget = 0.001, mode = 'shadow_read'`;
});

const context = (): GateContext => ({
  cohortId,
  cohortName: "EU schools",
  fromMode: "shadow_read",
  toMode: "target_primary",
  fromBasisPoints: 500,
  toBasisPoints: 500,
});

async function report(compared: number, mismatched: number, minutesAgo = 5) {
  const windowStart = new Date(Date.now() - minutesAgo * 60_000).toISOString();
  await ingestMismatches({ mismatches: [], comparisons: [{ cohort: cohortId, table: "documents", windowStart, compared, mismatched }] });
}

describe("mismatch-budget gate", () => {
  it("passes when the rate over the window is within the budget", async () => {
    await report(100_000, 50);
    const outcome = await mismatchBudgetGate.check(context());
    expect(outcome).toEqual({ passed: true, reason: "mismatch rate 0.05% (50 of 100000) over 60 min is within the budget of 0.10%" });
  });

  it("fails when the rate exceeds the budget, counting only the window", async () => {
    await report(10_000, 42);
    await report(1_000_000, 0, 120);
    const outcome = await mismatchBudgetGate.check(context());
    expect(outcome.passed).toBe(false);
    expect(outcome.reason).toBe("mismatch rate 0.42% (42 of 10000) over 60 min exceeds the budget of 0.10%");
  });

  it("fails when a comparing cohort reported nothing", async () => {
    expect(await mismatchBudgetGate.check(context())).toMatchObject({ passed: false, reason: expect.stringContaining("no comparisons") });
  });

  it("passes without a budget, and before reads are compared", async () => {
    expect((await mismatchBudgetGate.check({ ...context(), fromMode: "dual_write", toMode: "shadow_read" })).passed).toBe(true);
    await sql`update cohorts set mismatch_budget = null`;
    expect(await mismatchBudgetGate.check(context())).toEqual({ passed: true, reason: "no mismatch budget set for this cohort" });
  });
});
