import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let euCohort: string;
const USERS = 300;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      // the rollout's population (Settings' default mapping): public.users with id, region, country, school_id, plan
      await source.sql.unsafe(`create table users (id text primary key, region text, country text, school_id int, plan text);
        insert into users select 'user-' || g, (array['eu', 'us', 'apac'])[g % 3 + 1], 'DE', g % 7, 'free' from generate_series(0, ${USERS - 1}) g`);
      for (const db of [source, target]) {
        await db.sql.unsafe(`create table grades (id bigint primary key, user_id text not null, score int not null);
          create table heap_rows (id int, note text);
          create table drifting (id int primary key, a text, b int);
          create schema app; create table app."odd""name" (id int primary key, v text)`);
      }
      await source.sql.unsafe(`insert into grades select g, 'user-' || (g / 3), g % 100 from generate_series(0, ${USERS * 3 - 1}) g;
        insert into app."odd""name" select g, 'v' || g from generate_series(1, 50) g;
        create table only_source (id int primary key)`);
      await target.sql.unsafe(
        `alter table drifting drop column b; alter table drifting add column c text; alter table drifting alter column a type int using 0`,
      );
    },
  });
  [{ id: euCohort }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('EU pilot', 1, 'dual_write', 10000, 'eu', '{"regions": ["eu"]}') returning id`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const post = (path: string, body: unknown, token = app.token) =>
  fetch(`${app.baseUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${token}`, "content-type": "application/json" },
  });
const get = (path: string) => fetch(`${app.baseUrl}${path}`, { headers: { authorization: `Bearer ${app.token}` } });

async function runJob(id: string) {
  const { runBackfillWorker } = await import("../../../app/backfill/worker.server");
  const { repairSql, sideSql } = await import("../../../app/utils/databases.server");
  await runBackfillWorker(id, { source: sideSql("source"), target: sideSql("target"), targetWriter: repairSql("target") }, { workerId: "api-test" });
}

describe("POST /api/v1/backfills", () => {
  it.each([
    [{ table: "nope", reason: "r" }, /nope does not exist on the source or the target/],
    [{ table: "only_source", reason: "r" }, /only_source does not exist on the target/],
    [{ table: "heap_rows", reason: "r" }, /no primary key on the source: a backfill needs one to resume safely .* ON CONFLICT target/],
    [
      { table: "drifting", reason: "r" },
      /columns differ between source and target: .*a is text on the source but integer on the target.*b \(integer\) is missing on the target.*c \(text\) is missing on the source/,
    ],
    [{ table: "pg_catalog.pg_class", reason: "r" }, /pg_catalog is a system schema/],
    [{ table: "crdb_internal.ranges", reason: "r" }, /crdb_internal is a system schema/],
    [{ table: "grades", scope: { kind: "users", column: "nope", ids: ["a"] }, reason: "r" }, /has no column nope/],
    [{ table: "grades", scope: { kind: "cohort", cohortId: "00000000-0000-4000-8000-000000000000", column: "user_id" }, reason: "r" }, /no such cohort/],
    [{ table: "grades" }, /reason/],
    [{ table: "grades", batchRows: 0, reason: "r" }, /batchRows/],
  ])("refuses %j with 400", async (body, message) => {
    const response = await post("/api/v1/backfills", body);
    expect(response.status).toBe(400);
    const answer = await response.json();
    expect(answer.error.status).toBe(400);
    expect(JSON.stringify(answer.error)).toMatch(message);
  });

  it("answers 404 for unknown or malformed ids, never 500", async () => {
    for (const id of ["not-a-uuid", "00000000-0000-4000-8000-000000000000", "'; drop table x; --"]) {
      expect((await get(`/api/v1/backfills/${encodeURIComponent(id)}`)).status).toBe(404);
      expect((await post(`/api/v1/backfills/${encodeURIComponent(id)}/cancel`, {})).status).toBe(404);
    }
  });

  it("needs the backfills:write scope", async () => {
    const { createApiToken } = await import("../../../app/models/api-token.server");
    await createApiToken({ name: "narrow", scopes: ["reconciliations:write"], createdBy: null, token: "narrow-token" });
    const response = await post("/api/v1/backfills", { table: "grades", reason: "r" }, "narrow-token");
    expect(response.status).toBe(403);
  });

  it("backfills a cohort's rows (resolved like a reconciliation's cohort scope), reports progress and converges", async () => {
    const created = await post("/api/v1/backfills", {
      table: "grades",
      scope: { kind: "cohort", cohortId: euCohort, column: "user_id" },
      reason: "EU pilot to shadow read",
    });
    expect(created.status).toBe(202);
    const { id } = await created.json();
    await runJob(id);
    const answer = await (await get(`/api/v1/backfills/${id}`)).json();
    const members = Array.from({ length: USERS }, (_, u) => u).filter((u) => u % 3 === 0);
    expect(answer).toMatchObject({
      status: "converged",
      copied: members.length * 3,
      skippedExisting: 0,
      setAside: 0,
      remaining: 0,
      progress: { percent: 100 },
    });
    expect(answer.rounds).toHaveLength(1);
    const [{ n }] = await app.target.sql`select count(*)::int as n from grades`;
    expect(n).toBe(members.length * 3);
    const [{ bad }] = await app.target.sql`select count(*)::int as bad from grades where substr(user_id, 6)::int % 3 <> 0`;
    expect(bad).toBe(0);
  });

  it("quotes every name: a schema-qualified table with a quote in its name", async () => {
    const created = await post("/api/v1/backfills", { table: 'app.odd"name', reason: "odd names" });
    expect(created.status).toBe(202);
    const { id } = await created.json();
    await runJob(id);
    expect((await (await get(`/api/v1/backfills/${id}`)).json()).status).toBe("converged");
    const [{ n }] = await app.target.sql.unsafe(`select count(*)::int as n from app."odd""name"`);
    expect(n).toBe(50);
  });

  it("cancels a queued job at once, audited", async () => {
    const { id } = await (await post("/api/v1/backfills", { table: "grades", reason: "to cancel" })).json();
    const cancelled = await post(`/api/v1/backfills/${id}/cancel`, {});
    expect(cancelled.status).toBe(202);
    expect((await (await get(`/api/v1/backfills/${id}`)).json()).status).toBe("cancelled");
    expect((await post(`/api/v1/backfills/${id}/cancel`, {})).status).toBe(409);
    const actions = await app.control.sql<{ action: string }[]>`select action from audit_log where entity_id = ${id} order by id`;
    expect(actions.map((a) => a.action)).toEqual(["backfill.start", "backfill.cancel"]);
  });

  it("names the jobs in the audit log by what they ran on, in the entity column and in the converge rounds' reasons", async () => {
    const { id } = await (await post("/api/v1/backfills", { table: "grades", reason: "audit names" })).json();
    await runJob(id);
    const page = await (await fetch(`${app.baseUrl}/audit?action=reconciliation.start`, { headers: { Cookie: await app.login("viewer") } })).text();
    // what the page shows (the loader's data below it carries the stored reason as it is)
    const text = page.slice(0, page.indexOf("window.__remixContext")).replace(/<!-- -->/g, "");
    expect(text).toContain("verify of public.grades");
    expect(text).toContain("backfill public.grades: converge round 1");
    expect(text).not.toContain(`backfill ${id}: converge round`);
  });
});
