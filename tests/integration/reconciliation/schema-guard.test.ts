import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
type Models = {
  reconciliation: typeof import("../../../app/models/reconciliation.server");
  worker: typeof import("../../../app/reconciliation/worker.server");
  schedule: typeof import("../../../app/models/reconciliation-schedule.server");
  guard: typeof import("../../../app/models/schema-guard.server");
};
let models: Models;

// Every spelling of a catalog the issue named, and then some: none may start a job.
const CATALOG_TABLES = [
  "pg_catalog.pg_statistic",
  "pg_catalog.pg_authid",
  "information_schema.tables",
  "PG_CATALOG.pg_description",
  '"pg_catalog".pg_class',
  "crdb_internal.x",
  "pg_toast.pg_toast_2619",
  "pg_temp_1.t",
];

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target])
        await db.sql.unsafe(`create table courses (id int primary key, title text); create schema app; create table app.lessons (id int primary key)`);
    },
  });
  models = {
    reconciliation: await import("../../../app/models/reconciliation.server"),
    worker: await import("../../../app/reconciliation/worker.server"),
    schedule: await import("../../../app/models/reconciliation-schedule.server"),
    guard: await import("../../../app/models/schema-guard.server"),
  };
  await app.control.sql`delete from reconciliation_schedules`;
}, 180_000);

afterAll(async () => {
  await app?.close();
});

const api = (body: unknown) =>
  fetch(`${app.baseUrl}/api/v1/reconciliations`, {
    method: "POST",
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
    body: JSON.stringify(body),
  });

const postForm = async (path: string, route: string, form: Record<string, string>, role: "engineer" | "admin" = "engineer") =>
  fetch(`${app.baseUrl}${path}?_data=${encodeURIComponent(route)}`, {
    method: "POST",
    headers: { Cookie: await app.login(role), Origin: app.baseUrl },
    body: new URLSearchParams(form),
  });

const jobCount = async () => Number((await app.control.sql`select count(*) from reconciliation_jobs`)[0].count);
const targetDescriptions = async () => Number((await app.target.sql`select count(*) from pg_catalog.pg_description`)[0].count);

describe("reconciliation schema guard", () => {
  it("answers 400 to a verify or repair of any system catalog, with no job and no write", async () => {
    const descriptions = await targetDescriptions();
    for (const table of CATALOG_TABLES) {
      for (const body of [
        { table, mode: "verify" },
        { table, mode: "repair", confirm: true, reason: "the issue's repair" },
      ]) {
        const answer = await api(body);
        expect(answer.status, `${body.mode} ${table}`).toBe(400);
        expect((await answer.json()).error.message).toMatch(/system schema/);
      }
    }
    expect(await jobCount()).toBe(0);
    expect(await app.control.sql`select action from audit_log where action like 'reconciliation.%'`).toEqual([]);
    expect(await targetDescriptions()).toBe(descriptions);
  });

  it("refuses catalogs on the new-job form, the schedule form and a cohort's verified tables", async () => {
    const start = await postForm("/reconciliations", "routes/reconciliations._index", {
      table: "pg_catalog.pg_authid",
      scope: "table",
      concurrency: "1",
      reason: "probe",
      rowsPerSecond: "",
    });
    expect(start.status).toBe(400);
    expect((await start.json()).errors.table[0]).toMatch(/system schema/);
    const schedule = await postForm("/reconciliations", "routes/reconciliations._index", {
      intent: "schedule",
      table: "Information_Schema.tables",
      everyHours: "1",
      reason: "probe",
    });
    expect(schedule.status).toBe(400);
    expect(await jobCount()).toBe(0);
    expect(await app.control.sql`select 1 from reconciliation_schedules`).toEqual([]);

    const [{ id: cohortId }] = await app.control.sql<
      { id: string }[]
    >`insert into cohorts (name, priority, mode, salt) values ('Guarded', 1, 'dual_write', 'guarded') returning id`;
    const tables = await postForm(`/cohorts/${cohortId}`, "routes/cohorts.$cohortId", {
      intent: "verified-tables",
      tables: "courses\npg_catalog.pg_statistic",
      maxAgeHours: "24",
      reason: "probe",
    });
    expect(tables.status).toBe(400);
    expect((await tables.json()).errors["tables.tables"]).toMatch(/pg_catalog\.pg_statistic: .*system schema/);
    expect(await app.control.sql`select 1 from cohort_verified_tables where cohort_id = ${cohortId}`).toEqual([]);
  });

  it("refuses to repair or re-check a reported mismatch whose table is a catalog", async () => {
    const descriptions = await targetDescriptions();
    const reported = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
      method: "POST",
      headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        mismatches: [
          {
            origin: "shadow_read",
            kind: "missing_in_target",
            table: "pg_catalog.pg_description",
            primaryKey: { objoid: 1, classoid: 1, objsubid: 0 },
            sourceValue: { description: "x" },
          },
        ],
      }),
    });
    expect(reported.status).toBe(202);
    const { drainMismatchInbox } = await import("../../../app/models/mismatch-fold.server");
    await drainMismatchInbox();
    const [{ id }] = await app.control.sql`select id from mismatches where table_name = 'pg_catalog.pg_description'`;
    for (const form of <Record<string, string>[]>[
      { intent: "plan-repair" },
      { intent: "apply-repair", reason: "probe", digest: "0".repeat(64), confirm: "on" },
      { intent: "recheck" },
    ]) {
      const answer = await postForm(`/mismatches/${id}`, "routes/mismatches.$mismatchId", form);
      expect(answer.status, form.intent).toBe(400);
      expect(await answer.text(), form.intent).toMatch(/system schema/);
    }
    expect(await targetDescriptions()).toBe(descriptions);
    expect(await app.control.sql`select 1 from audit_log where action like 'reconciliation.repair%'`).toEqual([]);
  });

  it("fails a job row inserted directly for a catalog when it starts, before reading anything", async () => {
    const [{ id }] = await app.control.sql<{ id: string }[]>`
      insert into reconciliation_jobs (schema_name, table_name, scope, mode, created_by)
      values ('pg_catalog', 'pg_statistic', '{"kind": "table"}', 'verify', 'someone with SQL') returning id`;
    await models.worker.runReconciliationWorker(id, { source: app.source.sql, target: app.target.sql });
    const [job] = await app.control.sql`select status::text, error, buckets_total, started_at from reconciliation_jobs where id = ${id}`;
    expect(job).toMatchObject({ status: "failed", buckets_total: null, started_at: null });
    expect(job.error).toMatch(/^refused: pg_catalog is a system schema/);
    expect(await app.control.sql`select 1 from reconciliation_ranges where job_id = ${id}`).toEqual([]);
    expect(await app.control.sql`select 1 from mismatches where reconciliation_job_id = ${id}`).toEqual([]);
  });

  it("skips a due schedule of a catalog (saved before the guard), auditing the refusal", async () => {
    await app.control.sql`insert into reconciliation_schedules (schema_name, table_name, every_hours, created_by) values ('pg_catalog', 'pg_authid', 1, 'old')`;
    expect(await models.schedule.queueDueSchedules()).toEqual([]);
    expect(await jobCount()).toBe(1); // the directly inserted one above
    const [audit] = await app.control.sql`select reason from audit_log where action = 'reconciliation.schedule_refused'`;
    expect(audit.reason).toMatch(/system schema/);
    await app.control.sql`delete from reconciliation_schedules`;
  });

  it("narrows to the admins' allow-list (Settings, audited with a reason)", async () => {
    expect((await postForm("/settings", "routes/settings._index", { intent: "schema-allow-list", schemas: "app", reason: "" }, "admin")).status).toBe(400);
    expect(
      (await postForm("/settings", "routes/settings._index", { intent: "schema-allow-list", schemas: "app", reason: "only app" }, "engineer")).status,
    ).toBe(403);
    expect(
      (await postForm("/settings", "routes/settings._index", { intent: "schema-allow-list", schemas: "app, pg_catalog", reason: "sneak" }, "admin")).status,
    ).toBe(400);
    const saved = await postForm(
      "/settings",
      "routes/settings._index",
      { intent: "schema-allow-list", schemas: "app", reason: "only the app schema is migrated" },
      "admin",
    );
    expect(saved.status).toBe(200);
    const [audit] = await app.control.sql`select reason, after from audit_log where action = 'reconciliation.schema_allow_list'`;
    expect(audit).toMatchObject({ reason: "only the app schema is migrated", after: { schemas: ["app"] } });

    const outside = await api({ table: "public.courses", mode: "verify" });
    expect(outside.status).toBe(400);
    expect((await outside.json()).error.message).toMatch(/allow-list/);
    const inside = await api({ table: "APP.lessons", mode: "verify", concurrency: 1 });
    expect(inside.status).toBe(202);

    await postForm("/settings", "routes/settings._index", { intent: "schema-allow-list", schemas: "", reason: "every application schema again" }, "admin");
    expect(await models.guard.getSchemaAllowList()).toEqual([]);
    expect((await api({ table: "courses", mode: "verify", concurrency: 1 })).status).toBe(202);
  });

  it("refuses the control database as the source or the target", async () => {
    expect(await models.guard.controlDatabaseConflict({ source: app.source.sql, target: app.target.sql })).toBeNull();
    expect(await models.guard.controlDatabaseConflict({ source: app.control.sql, target: app.target.sql })).toMatch(
      /source database is Cutover's control database/,
    );
    expect(await models.guard.controlDatabaseConflict({ source: app.source.sql, target: app.control.sql })).toMatch(
      /target database is Cutover's control database/,
    );

    const [{ id }] = await app.control.sql<{ id: string }[]>`
      insert into reconciliation_jobs (schema_name, table_name, scope, mode, created_by)
      values ('public', 'api_tokens', '{"kind": "table"}', 'verify', 'someone with SQL') returning id`;
    await models.worker.runReconciliationWorker(id, { source: app.control.sql, target: app.target.sql });
    const [job] = await app.control.sql`select status::text, error, buckets_total from reconciliation_jobs where id = ${id}`;
    expect(job).toMatchObject({ status: "failed", buckets_total: null });
    expect(job.error).toMatch(/control database/);
  });
});
