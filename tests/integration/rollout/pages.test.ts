import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gates } from "../../../app/gates/index.server";
import type { Cohort } from "../../../app/models/cohort.server";
import { bucketOf } from "../../../app/rollout/bucket";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSetupCohort } from "../../support/cohorts";
import { createSourceUsers } from "../../support/source-users";

let app: TestApp;
let cohort: Cohort;

beforeAll(async () => {
  app = await startTestApp({
    // A small application users table on the source: previews and ladder shares sample it.
    prepare: ({ source }) => createSourceUsers(source.sql, 2000, { region: "eu", country: "DE" }),
  });
  // Setup only: in this process the cohort is created without gates; the app under test keeps its real ones.
  gates.length = 0;
  cohort = await createSetupCohort({ name: "Pilot", mode: "dual_write", percentBasisPoints: 2500 });
});

afterAll(async () => {
  await app?.close();
});

const form = (fields: Record<string, string>) =>
  new URLSearchParams({
    name: "Pilot",
    priority: "1",
    mode: "dual_write",
    percent: "25",
    budgetWindowMinutes: "60",
    version: String(cohort.version),
    ...fields,
  });
const postCohort = (cookie: string, fields: Record<string, string>) =>
  fetch(`${app.baseUrl}/cohorts/${cohort.id}?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: form(fields),
  });

function userInBucket(bucket: number) {
  for (let i = 0; ; i++) if (bucketOf(`user-${i}`, cohort.salt) === bucket) return `user-${i}`;
}

describe("cohort page", () => {
  it("shows the cohort to a viewer without edit rights and refuses a viewer's post with 403", async () => {
    const viewer = await app.login("viewer");
    // Loader data rather than the HTML: the controls' disabled state follows canEdit.
    const page = await fetch(`${app.baseUrl}/cohorts/${cohort.id}?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`, { headers: { Cookie: viewer } });
    expect(page.status).toBe(200);
    expect(await page.json()).toMatchObject({ canEdit: false, cohort: { name: "Pilot", percentBasisPoints: 2500 } });
    const post = await postCohort(viewer, { intent: "save", percent: "10", reason: "x", confirmed: "on" });
    expect(post.status).toBe(403);
    const [row] = await app.control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`;
    expect(row.percent_basis_points).toBe(2500);
  });

  it("requires a reason (400) and confirmation of a rollback, and previews who moves", async () => {
    const engineer = await app.login("engineer");
    const noReason = await postCohort(engineer, { intent: "save", percent: "10", reason: "" });
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).errors.reason).toMatch(/reason is required/);
    const unconfirmed = await postCohort(engineer, { intent: "save", percent: "10", reason: "mismatches" });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).errors.form).toMatch(/rollback: confirm/);
    const preview = await (await postCohort(engineer, { intent: "preview", percent: "10", reason: "mismatches" })).json();
    expect(preview.preview.kind).toBe("rollback");
  });

  it("blocks an advance with the gate's reason while the app's gates have no health readings", async () => {
    const engineer = await app.login("engineer");
    const response = await postCohort(engineer, { intent: "save", percent: "50", reason: "going faster" });
    expect(response.status).toBe(422);
    expect((await response.json()).errors.form).toMatch(/Blocked by .*Source XID runway/);
  });

  it("saves a confirmed rollback, audits it, shows it on the Users page, and gives a stale edit 409", async () => {
    const engineer = await app.login("engineer");
    const inside = userInBucket(1500);
    const before = await fetch(`${app.baseUrl}/users?userId=${inside}&_data=routes%2Fusers._index`, { headers: { Cookie: await app.login("support") } });
    expect((await before.json()).result.assignment).toMatchObject({
      mode: "dual_write",
      bucket: 1500,
      reason: "cohort",
      explanation: expect.stringMatching(/^cohort '.+' \(\d+\.\d\d%\) covers bucket 1500$/),
    });

    const saved = await postCohort(engineer, { intent: "save", percent: "10", reason: "mismatches in EU", confirmed: "on" });
    expect(saved.status).toBe(200);
    expect((await saved.json()).saved).toBe(true);
    const [audit] = await app.control
      .sql`select actor_label, reason from audit_log where action = 'cohort.update' and entity_id = ${cohort.id} order by id desc limit 1`;
    expect(audit).toMatchObject({ actor_label: "engineer@demo.local", reason: "mismatches in EU" });

    // The app caches the ruleset for at most a second: wait for the new version rather than for time.
    let assignment: { mode: string; reason: string } | undefined;
    await expect
      .poll(
        async () => {
          const r = await fetch(`${app.baseUrl}/users?userId=${inside}&_data=routes%2Fusers._index`, { headers: { Cookie: engineer } });
          assignment = (await r.json()).result.assignment;
          return assignment?.mode;
        },
        { timeout: 10_000 },
      )
      .toBe("source_only");
    expect(assignment?.reason).toBe("default");

    const stale = await postCohort(engineer, { intent: "save", percent: "5", reason: "again", confirmed: "on" });
    expect(stale.status).toBe(409);
    expect((await stale.json()).errors.form).toMatch(/changed by someone else/);
  });

  it("shows rollout progress on the Overview: shares per rung per day from the ruleset versions", async () => {
    const viewer = await app.login("viewer");
    const response = await fetch(`${app.baseUrl}/?_data=routes%2F_index`, { headers: { Cookie: viewer } });
    expect(response.status).toBe(200);
    const { rollout: overview } = await response.json();
    const rollout = overview.progress;
    expect(rollout.sampleError).toBeNull();
    expect(rollout.days.length).toBeGreaterThanOrEqual(1);
    const today = rollout.days.at(-1);
    const total = ["source_only", "dual_write", "shadow_read", "target_primary", "target_only"].reduce((s, m) => s + today[m], 0);
    expect(total).toBeCloseTo(100, 0);
    expect(today.dual_write).toBeGreaterThan(0);
    expect(rollout.waiting).toEqual([]);
  });
});
