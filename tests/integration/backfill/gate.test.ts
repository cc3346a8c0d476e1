import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let euCohort: string;
let usCohort: string;
const USERS = 90;
const admin = { type: "user" as const, id: null, label: "admin@test" };
const engineer = { type: "user" as const, id: null, label: "engineer@test" };

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) {
        await db.sql.unsafe(`create table users (id text primary key, region text, country text, school_id int, plan text);
          create table documents (id bigint primary key, owner_id text not null references users (id), title text);
          create table annotations (id bigint primary key, author_id text not null references users (id), document_id bigint references documents (id), body jsonb)`);
      }
      await source.sql
        .unsafe(`insert into users select 'user-' || g, (array['eu', 'us', 'apac'])[g % 3 + 1], 'DE', g % 7, 'free' from generate_series(0, ${USERS - 1}) g;
        insert into documents select g, 'user-' || (g % ${USERS}), 'doc ' || g from generate_series(1, 900) g;
        -- an annotation by a user on a document of the same user, so a cohort's rows reference only its own
        insert into annotations select g, 'user-' || (g % ${USERS}), g, jsonb_build_object('n', g) from generate_series(1, 900) g`);
    },
  });
  [{ id: euCohort }, { id: usCohort }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('EU pilot', 1, 'dual_write', 10000, 'eu', '{"regions": ["eu"]}'), ('US pilot', 2, 'dual_write', 10000, 'us', '{"regions": ["us"]}')
    returning id`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const context = (cohortId: string, toMode: "shadow_read" | "dual_write" = "shadow_read") => ({
  cohortId,
  cohortName: "c",
  fromMode: "dual_write" as const,
  toMode,
  fromBasisPoints: 10000,
  toBasisPoints: 10000,
});

describe("the backfilled gate", () => {
  it("is one of the rollout's gates", async () => {
    const { gates } = await import("../../../app/gates/index.server");
    expect(gates.map((g) => g.id)).toContain("backfilled");
  });

  it("finds the cohort's tables in foreign-key order and blocks shadow_read until they converged", async () => {
    const { backfilledGate } = await import("../../../app/gates/backfilled.server");
    const cohortModel = await import("../../../app/models/backfill-cohort.server");
    const tables = await cohortModel.cohortTables();
    expect(tables.map((t) => `${t.tableName}:${t.column}`)).toEqual(["users:id", "documents:owner_id", "annotations:author_id"]);

    expect((await backfilledGate.check(context(euCohort, "dual_write"))).passed).toBe(true);
    const closed = await backfilledGate.check(context(euCohort));
    expect(closed.passed).toBe(false);
    expect(closed.reason).toMatch(/public.users \(not copied\), public.documents \(not copied\), public.annotations \(not copied\)/);

    const { started, refused } = await cohortModel.startCohortBackfill(euCohort, engineer, "EU pilot to shadow read");
    expect(refused).toEqual([]);
    expect(started.map((s) => s.table)).toEqual(["public.users", "public.documents", "public.annotations"]);
    const { runBackfillWorker } = await import("../../../app/backfill/worker.server");
    const { repairSql, sideSql } = await import("../../../app/utils/databases.server");
    const sides = { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") };
    // one after the other, in the order they were started (parents first): the target's foreign keys hold
    for (const s of started) await runBackfillWorker(s.id, sides);
    const states = await cohortModel.cohortDataStates(euCohort, tables);
    expect([...states.values()].map((s) => s.state)).toEqual(["converged", "converged", "converged"]);
    const [{ n }] = await app.target.sql`select count(*)::int as n from annotations`;
    expect(n).toBe(300);

    const open = await backfilledGate.check(context(euCohort));
    expect(open).toEqual({ passed: true, reason: "all 3 tables of the cohort's data converged on the target" });
    // another cohort's rows were not copied: its gate stays closed
    expect((await backfilledGate.check(context(usCohort))).passed).toBe(false);
  });

  it("lets an admin override it for a cohort, with a reason, audited", async () => {
    const { backfilledGate } = await import("../../../app/gates/backfilled.server");
    const { overrideBackfillGate } = await import("../../../app/models/backfill-cohort.server");
    await overrideBackfillGate(usCohort, admin, "US data was restored on the target from a snapshot");
    const outcome = await backfilledGate.check(context(usCohort));
    expect(outcome.passed).toBe(true);
    expect(outcome.reason).toMatch(/overridden by admin@test .*: US data was restored/);
    const [audit] = await app.control
      .sql`select action, actor_label, reason from audit_log where entity_id = ${usCohort} and action = 'backfill.gate_override'`;
    expect(audit).toEqual({ action: "backfill.gate_override", actor_label: "admin@test", reason: "US data was restored on the target from a snapshot" });
  });
});

describe("backfill pages", () => {
  const page = async (path: string, role: "viewer" | "engineer" | "admin") => fetch(`${app.baseUrl}${path}`, { headers: { Cookie: await app.login(role) } });

  it("shows each table's data state on the cohort page; only engineers get the button, only admins the override", async () => {
    const asViewer = await (await page(`/cohorts/${euCohort}`, "viewer")).text();
    expect(asViewer).toContain("Data on the target");
    expect(asViewer).toMatch(/converged at/);
    expect(asViewer).not.toContain("Why override the backfilled gate");
    expect(asViewer).not.toContain("Backfill this cohort");
    const other = await (await page(`/cohorts/${usCohort}`, "engineer")).text();
    expect(other.replace(/<!-- -->/g, "")).toContain("Gate overridden by admin@test");
    const post = (role: "viewer" | "engineer", intent: string) =>
      page(`/cohorts/${usCohort}`, role).then(async () =>
        fetch(`${app.baseUrl}/cohorts/${usCohort}`, {
          method: "POST",
          body: new URLSearchParams({ intent, reason: "r" }),
          headers: { Cookie: await app.login(role), Origin: app.baseUrl },
          redirect: "manual",
        }),
      );
    expect((await post("viewer", "backfill-cohort")).status).toBe(403);
    expect((await post("engineer", "backfill-override")).status).toBe(403);
  });

  it("lists backfills and shows a job's rounds; a malformed id is a 404", async () => {
    const list = await (await page("/backfills", "viewer")).text();
    expect(list).toContain("public.annotations");
    const [{ id }] = await app.control.sql<{ id: string }[]>`select id from backfill_jobs where table_name = 'annotations' limit 1`;
    const job = await (await page(`/backfills/${id}`, "viewer")).text();
    expect(job).toContain("Converge rounds");
    expect(job).toContain("verify job");
    expect((await page("/backfills/not-a-uuid", "viewer")).status).toBe(404);
    expect(
      (await fetch(`${app.baseUrl}/backfills/${id}`, { method: "POST", headers: { Cookie: await app.login("viewer"), Origin: app.baseUrl } })).status,
    ).toBe(403);
  });
});
