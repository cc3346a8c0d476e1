import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
type Model = typeof import("../../../app/models/reconciliation.server");
let worker: typeof import("../../../app/reconciliation/worker.server");
type RepairModel = typeof import("../../../app/models/reconciliation-repair.server");
let model: Model;
let repairModel: RepairModel;

const SEED = `create table grades (school text, student int, score numeric(5,1), note text, primary key (school, student));
  insert into grades select 'École ' || (g % 3), g, g / 2.0, 'n' || g from generate_series(1, 300) g;`;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) await db.sql.unsafe(SEED);
      await target.sql.unsafe(`
        delete from grades where student = 7;
        insert into grades values ('Zoo', 1, 1.0, 'extra');
        update grades set score = 0, note = null where student = 42;`);
    },
  });
  // the test app has no worker process: this test plays the worker, in process, on the app's own connections
  model = await import("../../../app/models/reconciliation.server");
  worker = await import("../../../app/reconciliation/worker.server");
  repairModel = await import("../../../app/models/reconciliation-repair.server");
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const api = (path: string, body: unknown) =>
  fetch(`${app.baseUrl}${path}`, {
    method: "POST",
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const sides = () => ({ source: app.source.sql, target: app.target.sql });

async function verifyJob(): Promise<string> {
  const response = await api("/api/v1/reconciliations", { table: "grades", mode: "verify", reason: "repair test" });
  expect(response.status).toBe(202);
  const { id } = await response.json();
  await worker.runReconciliationWorker(id, sides());
  expect((await model.getReconciliationJob(id))!.status).toBe("succeeded");
  return id;
}

const jobAction = (jobId: string, cookie: string, form: Record<string, string>) =>
  fetch(`${app.baseUrl}/reconciliations/${jobId}?_data=${encodeURIComponent("routes/reconciliations.$id")}`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: new URLSearchParams(form),
  });

describe("repair from the job page", () => {
  it("plans exactly the differences, applies them after confirmation, re-verifies clean, audits, marks the mismatches repaired", async () => {
    const jobId = await verifyJob();
    const job = (await model.getReconciliationJob(jobId))!;
    expect(model.countsOf(job)).toEqual({ missing_in_target: 1, extra_in_target: 1, value_mismatch: 1 });

    for (const role of ["viewer", "support"] as const) {
      expect((await jobAction(jobId, await app.login(role), { intent: "plan-repair" })).status).toBe(403);
    }
    const engineer = await app.login("engineer");
    const planned = await jobAction(jobId, engineer, { intent: "plan-repair" });
    expect(planned.status).toBe(200);
    const { preview } = await planned.json();
    expect(preview.plan.counts).toEqual({ insert: 1, update: 1, delete: 1 });
    expect(preview.plan.actions.map((a: { action: string; keyObject: unknown; values: unknown }) => [a.action, a.keyObject, a.values])).toEqual(
      expect.arrayContaining([
        ["insert", { school: "École 1", student: "7" }, { school: "École 1", student: "7", score: "3.5", note: "n7" }],
        ["delete", { school: "Zoo", student: "1" }, {}],
        ["update", { school: "École 0", student: "42" }, { note: "n42", score: "21.0" }],
      ]),
    );
    expect(preview).toMatchObject({ page: 1, pageCount: 1, totalActions: 3 });
    // a large plan reaches the browser one page at a time; counts and digest still cover the whole plan
    const secondOfTwo = repairModel.repairPlanPage(preview, 2, 2);
    expect(secondOfTwo).toMatchObject({ page: 2, pageCount: 2, totalActions: 3, digest: preview.digest, plan: { counts: preview.plan.counts } });
    expect(secondOfTwo.plan.actions).toEqual(preview.plan.actions.slice(2));
    const pastTheEnd = await jobAction(jobId, engineer, { intent: "plan-repair", page: "9" });
    expect((await pastTheEnd.json()).preview).toMatchObject({ page: 1, pageCount: 1, digest: preview.digest });
    // the dry run changed nothing
    expect(await app.target.sql`select 1 from grades where student = 7`).toHaveLength(0);

    // no confirmation, no reason: refused, nothing written
    const unconfirmed = await jobAction(jobId, engineer, { intent: "apply-repair", digest: preview.digest, reason: "" });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).errors).toMatchObject({ confirm: expect.any(Array), reason: expect.any(Array) });
    expect((await jobAction(jobId, await app.login("support"), { intent: "apply-repair", digest: preview.digest, confirm: "on", reason: "x" })).status).toBe(
      403,
    );
    // a plan other than the one the engineer saw is not applied
    const stale = await jobAction(jobId, engineer, { intent: "apply-repair", digest: "0".repeat(64), confirm: "on", reason: "ticket 12" });
    expect(stale.status).toBe(409);
    expect(await app.target.sql`select 1 from grades where student = 7`).toHaveLength(0);

    const applied = await jobAction(jobId, engineer, { intent: "apply-repair", digest: preview.digest, confirm: "on", reason: "ticket 12" });
    expect(applied.status).toBe(200);
    expect((await applied.json()).outcome).toEqual({ applied: 3, planned: { insert: 1, update: 1, delete: 1 }, remaining: 0, repairedMismatches: 3 });

    const [audit] = await app.control.sql`
      select actor_label, before, after, reason from audit_log where action = 'reconciliation.repair' and entity_id = ${jobId}`;
    expect(audit).toMatchObject({
      actor_label: expect.stringContaining("engineer"),
      reason: "ticket 12",
      before: { table: "public.grades", differences: 3, planned: { insert: 1, update: 1, delete: 1 } },
      after: { applied: 3, remainingDifferences: 0, repairedMismatches: 3 },
    });
    const statuses = await app.control.sql`select status::text from mismatches where reconciliation_job_id = ${jobId}`;
    expect(statuses.map((r) => r.status)).toEqual(["repaired", "repaired", "repaired"]);

    const again = await verifyJob();
    expect(model.countsOf((await model.getReconciliationJob(again))!)).toEqual({ missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 });
  });
});

describe("repair through the API", () => {
  it("requires confirm: true and a reason, then verifies, repairs and re-verifies in the worker", async () => {
    await app.target.sql`update grades set note = 'drifted' where student in (100, 200)`;
    expect((await api("/api/v1/reconciliations", { table: "grades", mode: "repair", reason: "nightly" })).status).toBe(400);
    expect((await api("/api/v1/reconciliations", { table: "grades", mode: "repair", confirm: true })).status).toBe(400);
    expect(await app.target.sql`select 1 from grades where note = 'drifted'`).toHaveLength(2);

    const response = await api("/api/v1/reconciliations", { table: "grades", mode: "repair", confirm: true, reason: "nightly" });
    expect(response.status).toBe(202);
    const { id } = await response.json();
    await worker.runReconciliationWorker(id, sides(), { onSucceeded: async (job) => void (await repairModel.repairAfterVerify(job)) });
    expect(await app.target.sql`select 1 from grades where note = 'drifted'`).toHaveLength(0);
    const [audit] = await app.control.sql`select actor_type, after from audit_log where action = 'reconciliation.repair' and entity_id = ${id}`;
    expect(audit).toMatchObject({ actor_type: "token", after: { applied: 2, remainingDifferences: 0, repairedMismatches: 2 } });
  });
});

describe("repair of one mismatch", () => {
  it("repairs that key on the target after a dry run and a confirmation, re-checks it, audits it", async () => {
    await app.target.sql`update grades set score = 99 where student in (150, 151)`;
    const jobId = await verifyJob();
    const [record] = await app.control.sql`
      select id from mismatches where reconciliation_job_id = ${jobId} and primary_key->>'student' = '150'`;
    const url = `${app.baseUrl}/mismatches/${record.id}?_data=${encodeURIComponent("routes/mismatches.$mismatchId")}`;
    const post = async (role: "support" | "engineer", form: Record<string, string>) =>
      fetch(url, { method: "POST", headers: { Cookie: await app.login(role), Origin: app.baseUrl }, body: new URLSearchParams(form) });

    expect((await post("support", { intent: "plan-repair" })).status).toBe(403);
    const planned = await post("engineer", { intent: "plan-repair" });
    expect(planned.status).toBe(200);
    const { repairPreview } = await planned.json();
    expect(repairPreview.plan.actions).toEqual([
      { action: "update", key: ["École 0", "150"], keyObject: { school: "École 0", student: "150" }, values: { score: "75.0" } },
    ]);
    expect((await post("engineer", { intent: "apply-repair", digest: repairPreview.digest, reason: "x" })).status).toBe(400);

    const applied = await post("engineer", { intent: "apply-repair", digest: repairPreview.digest, confirm: "on", reason: "customer ticket" });
    expect(applied.status).toBe(200);
    const body = await applied.json();
    expect(body.repairOutcome).toMatchObject({ applied: 1, remaining: 0, repairedMismatches: 1 });
    expect(body.recheck.stillDiffers).toBe(false);
    // only that key: its neighbour still differs
    expect((await app.target.sql`select student, score::text from grades where student in (150, 151) order by 1`).map((r) => r.score)).toEqual([
      "75.0",
      "99.0",
    ]);
    const [mismatch] = await app.control.sql`select status::text from mismatches where id = ${record.id}`;
    expect(mismatch.status).toBe("repaired");
    const [audit] = await app.control
      .sql`select reason from audit_log where action = 'reconciliation.repair' and entity_type = 'mismatch' and entity_id = ${String(record.id)}`;
    expect(audit.reason).toBe("customer ticket");
  });
});
