import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { gates } from "../../../app/gates/index.server";
import type { GateContext } from "../../../app/gates/types";
import { SYSTEM_ACTOR, type Actor } from "../../../app/models/audit.server";
import { getCohort, listCohortHistory, pick, type CohortInput } from "../../../app/models/cohort.server";
import { createCohort, updateCohort } from "../../../app/rollout/cohort-change.server";
import { RolloutError } from "../../../app/models/rollout-error.server";
import { stepDueRamps } from "../../../app/rollout/scheduled-ramps.server";
import { loadRuleset, setEmergency } from "../../../app/models/ruleset.server";
import { closeControlDb } from "../../../app/utils/db.server";
import { createControlDatabase } from "../../support/control-db";
import type { ScratchDatabase } from "../../support/databases";

let control: ScratchDatabase;
const engineer: Actor = { type: "user", id: null, label: "engineer@demo.local" };
const HOUR = 3_600_000;

// A gate the test opens and closes; the real gates need health readings and mismatch data of their own.
let gateOpen = true;
const seen: GateContext[] = [];
const testGate = {
  id: "test",
  label: "Test gate",
  async check(context: GateContext) {
    seen.push(context);
    return gateOpen ? { passed: true, reason: "open" } : { passed: false, reason: "closed for the test" };
  },
};

const base: CohortInput = {
  name: "Pilot",
  description: "",
  priority: 1,
  mode: "dual_write",
  percentBasisPoints: 1000,
  constraints: {},
  mismatchBudget: null,
  budgetWindowMinutes: 60,
  rampSteps: null,
  rampEveryHours: null,
};
const change = (reason = "because", extra: Partial<{ confirmed: boolean; isAdmin: boolean }> = {}) => ({
  actor: engineer,
  reason,
  confirmed: false,
  isAdmin: false,
  ...extra,
});

async function expectRefusal(promise: Promise<unknown>, status: number, message: RegExp) {
  const error = await promise.then(
    () => null,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(RolloutError);
  expect((error as RolloutError).status).toBe(status);
  expect((error as RolloutError).message).toMatch(message);
}

beforeAll(async () => {
  control = await createControlDatabase("rollout_changes");
  Object.assign(process.env, {
    CUTOVER_DATABASE_URL: control.url,
    SOURCE_DATABASE_URL: control.url,
    TARGET_DATABASE_URL: control.url,
    SESSION_SECRET: "test-session-secret-0123456789",
  });
  gates.splice(0, gates.length, testGate);
});

afterAll(async () => {
  await closeControlDb();
  await control?.drop();
});

beforeEach(() => {
  gateOpen = true;
  seen.length = 0;
});

describe("cohort changes", () => {
  it("gives a stale edit 409 and keeps the first writer's change", async () => {
    const cohort = await createCohort({ ...base, name: "Concurrent" }, change("start"));
    const first = updateCohort(cohort.id, cohort.version, { ...pick(cohort), percentBasisPoints: 2500 }, change("first"));
    const second = updateCohort(cohort.id, cohort.version, { ...pick(cohort), percentBasisPoints: 5000 }, change("second"));
    const results = await Promise.allSettled([first, second]);
    const rejected = results.filter((r) => r.status === "rejected");
    expect(rejected).toHaveLength(1);
    expect((rejected[0] as PromiseRejectedResult).reason).toMatchObject({ status: 409 });
    expect((rejected[0] as PromiseRejectedResult).reason.message).toMatch(/changed by someone else/);
    const [row] = await control.sql`select version, percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(row.version).toBe(cohort.version + 1);
    const history = await listCohortHistory(cohort.id);
    expect(history[0].diff).toHaveProperty("percentBasisPoints");
    expect(history.map((h) => h.reason)).toEqual([expect.stringMatching(/first|second/), "start", "start"]);
  });

  it("demands a reason, confirmation for a rollback and the admin role for a skip", async () => {
    const cohort = await createCohort({ ...base, name: "Rules" }, change());
    expect(seen).toHaveLength(1); // creating at 10% is an advance from 0%: gated
    seen.length = 0;
    const current = { ...pick(cohort) };
    await expectRefusal(updateCohort(cohort.id, cohort.version, { ...current, percentBasisPoints: 2000 }, change(" ")), 400, /reason is required/);
    await expectRefusal(updateCohort(cohort.id, cohort.version, { ...current, percentBasisPoints: 500 }, change()), 400, /rollback: confirm/);
    await expectRefusal(updateCohort(cohort.id, cohort.version, { ...current, mode: "target_primary" }, change()), 403, /needs the admin role/);
    const done = await updateCohort(cohort.id, cohort.version, { ...current, percentBasisPoints: 500 }, change("too many mismatches", { confirmed: true }));
    expect(done.classification.kind).toBe("rollback");
    expect(seen).toHaveLength(0); // a rollback never waits on gates
  });

  it("blocks an advance while a gate is closed, with the gate's reason, and lets it through once open", async () => {
    const cohort = await createCohort({ ...base, name: "Gated" }, change());
    gateOpen = false;
    await expectRefusal(
      updateCohort(cohort.id, cohort.version, { ...pick(cohort), percentBasisPoints: 2500 }, change()),
      422,
      /Test gate: closed for the test/,
    );
    expect(seen.at(-1)).toMatchObject({ cohortId: cohort.id, fromBasisPoints: 1000, toBasisPoints: 2500, fromMode: "dual_write", toMode: "dual_write" });
    const [unchanged] = await control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(unchanged.percent_basis_points).toBe(1000);
    gateOpen = true;
    const done = await updateCohort(cohort.id, cohort.version, { ...pick(cohort), percentBasisPoints: 2500 }, change());
    expect(done.cohort.percentBasisPoints).toBe(2500);
  });

  it("bumps the ruleset version with every change, the emergency switch included", async () => {
    const before = (await loadRuleset()).version;
    await setEmergency("source_only", "target is down", engineer);
    const after = await loadRuleset();
    expect(after.version).toBe(before + 1);
    expect(after.emergency).toMatchObject({ mode: "source_only", reason: "target is down" });
    const [audit] = await control.sql`select action, reason from audit_log where action = 'rollout.emergency.set'`;
    expect(audit.reason).toBe("target is down");
    await control.sql`update rollout_state set emergency_mode = null`;
  });
});

describe("scheduled ramps", () => {
  it("steps only when due and only while every gate passes", async () => {
    const cohort = await createCohort({ ...base, name: "Ramped", percentBasisPoints: 100, rampSteps: [100, 500, 2500, 10_000], rampEveryHours: 6 }, change());
    const t0 = cohort.updatedAt.getTime() + 1000;
    // Not due yet: nothing happens.
    const early = await stepDueRamps(t0 + HOUR);
    expect(early.find((o) => o.cohortId === cohort.id)).toMatchObject({ outcome: "waiting" });
    // Due, but the gate is closed: it waits and records why.
    gateOpen = false;
    const blocked = await stepDueRamps(t0 + 7 * HOUR);
    expect(blocked.find((o) => o.cohortId === cohort.id)).toMatchObject({ outcome: "blocked", detail: expect.stringMatching(/closed for the test/) });
    let [row] = await control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(row.percent_basis_points).toBe(100);
    // Gate open: one step, to the next rung of the plan.
    gateOpen = true;
    const stepped = await stepDueRamps(t0 + 7 * HOUR);
    expect(stepped.find((o) => o.cohortId === cohort.id)).toMatchObject({ outcome: "stepped" });
    [row] = await control.sql`select percent_basis_points, ramp_clock_at from cohorts where id = ${cohort.id}`;
    expect(row.percent_basis_points).toBe(500);
    // The step restarted the clock (ramp_clock_at is the real now, before t0 + 7 h): the next step is not due yet.
    const again = await stepDueRamps(row.ramp_clock_at.getTime() + HOUR);
    expect(again.find((o) => o.cohortId === cohort.id)).toMatchObject({ outcome: "waiting" });
    const events = await control.sql`select outcome from ramp_events where cohort_id = ${cohort.id} order by id`;
    expect(events.map((e) => e.outcome)).toEqual(["blocked", "stepped"]);
    const [audit] = await control.sql`select actor_label, action from audit_log where action = 'cohort.ramp' and entity_id = ${cohort.id}`;
    expect(audit.actor_label).toBe(SYSTEM_ACTOR.label);
  });

  it("keeps the schedule through an edit, and restarts it only when asked, with the restart in the history and audit", async () => {
    const cohort = await createCohort({ ...base, name: "Kept schedule", percentBasisPoints: 100, rampSteps: [100, 500, 2500], rampEveryHours: 6 }, change());
    const clock = cohort.rampClockAt.getTime();
    // Back-date the clock as if the ramp had been running 5 hours: an edit must not push the step to 6 h from now.
    await control.sql`update cohorts set ramp_clock_at = ${new Date(clock - 5 * HOUR)} where id = ${cohort.id}`;
    const edited = await updateCohort(cohort.id, cohort.version, { ...pick(cohort), description: "a new description" }, change());
    expect(edited.cohort.rampClockAt.getTime()).toBe(clock - 5 * HOUR);
    const due = await stepDueRamps(clock + 1.5 * HOUR);
    expect(due.find((o) => o.cohortId === cohort.id)).toMatchObject({ outcome: "stepped" });
    const stepped = (await getCohort(cohort.id))!;
    expect(stepped.percentBasisPoints).toBe(500);
    // Asked to restart: the clock starts at the save, and the restart is recorded with the edit.
    await control.sql`update cohorts set ramp_clock_at = ${new Date(clock - 2 * HOUR)} where id = ${cohort.id}`;
    const restarted = await updateCohort(cohort.id, stepped.version, { ...pick(stepped), description: "restarted" }, change(), { restartRampClock: true });
    expect(restarted.cohort.rampClockAt.getTime()).toBeGreaterThanOrEqual(clock);
    const [history] = await control.sql`select diff from cohort_history where cohort_id = ${cohort.id} order by id desc limit 1`;
    expect(history.diff.rampClockAt.after).toBe(restarted.cohort.rampClockAt.toISOString());
    const [audit] = await control.sql`select after from audit_log where action = 'cohort.update' and entity_id = ${cohort.id} order by id desc limit 1`;
    expect(audit.after.rampClockAt).toBe(restarted.cohort.rampClockAt.toISOString());
    // Without a ramp before, a newly scheduled one starts its clock with the edit that schedules it.
    const plain = await createCohort({ ...base, name: "Newly ramped", percentBasisPoints: 100 }, change());
    await control.sql`update cohorts set ramp_clock_at = ${new Date(clock - 48 * HOUR)} where id = ${plain.id}`;
    const scheduled = await updateCohort(plain.id, plain.version, { ...pick(plain), rampSteps: [100, 500], rampEveryHours: 6 }, change());
    expect(scheduled.cohort.rampClockAt.getTime()).toBeGreaterThan(clock - HOUR);
  });
});
