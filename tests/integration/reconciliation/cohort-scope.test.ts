import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let euCohort: string;
let apacCohort: string;

// 300 users in three regions; grades has 3 rows per user. The target differs on every 10th user's first grade:
// 30 users, of whom the eu and apac cohorts each hold their own share.
const USERS = 300;
const region = (u: number) => ["eu", "us", "apac"][u % 3];
const differs = (u: number) => u % 10 === 0;
const userId = (u: number) => `user-${u}`;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      // the rollout's population (Settings' default mapping): public.users with id, region, country, school_id, plan
      await source.sql.unsafe(`create table users (id text primary key, region text, country text, school_id int, plan text);
        insert into users select 'user-' || g, (array['eu', 'us', 'apac'])[g % 3 + 1], 'DE', g % 7, 'free' from generate_series(0, ${USERS - 1}) g`);
      for (const db of [source, target]) {
        await db.sql.unsafe(`create table grades (id bigint primary key, user_id text not null, score int not null);
          insert into grades select g, 'user-' || (g / 3), g % 100 from generate_series(0, ${USERS * 3 - 1}) g`);
      }
      await target.sql.unsafe(`update grades set score = score + 1 where id % 3 = 0 and (id / 3) % 10 = 0`);
    },
  });
  [{ id: euCohort }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('EU pilot', 1, 'dual_write', 10000, 'eu', '{"regions": ["eu"]}') returning id`;
  [{ id: apacCohort }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('APAC pilot', 2, 'dual_write', 10000, 'apac', '{"regions": ["apac"]}') returning id`;
  // a pinned user follows the pin, not the cohort
  await app.control.sql`insert into pins (user_id, mode, reason, created_by) values ('user-0', 'source_only', 'support case', 'test')`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const api = (path: string, body: unknown) =>
  fetch(`${app.baseUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
  });

/** Runs the job to its end with `workers` worker loops side by side, as several worker processes would. */
async function runJob(id: string, workers = 1) {
  const { getReconciliationJob } = await import("../../../app/models/reconciliation.server");
  const { runReconciliationWorker } = await import("../../../app/reconciliation/worker.server");
  const { sideSql } = await import("../../../app/utils/databases.server");
  const sides = { source: sideSql("source"), target: sideSql("target") };
  await Promise.all(Array.from({ length: workers }, (_, i) => runReconciliationWorker(id, sides, { workerId: `w${i}` })));
  return (await getReconciliationJob(id))!;
}

describe("cohort scope", () => {
  it("compares only the rows of the cohort's users, resolved once and stored with the job", async () => {
    const created = await api("/api/v1/reconciliations", { table: "grades", scope: { kind: "cohort", cohortId: euCohort, column: "user_id" }, mode: "verify" });
    expect(created.status).toBe(202);
    const { id } = await created.json();
    // two workers: one resolves the cohort, the other waits for its list; each row is compared once
    const job = await runJob(id, 2);
    expect(job.status).toBe("succeeded");

    const members = Array.from({ length: USERS }, (_, u) => u).filter((u) => region(u) === "eu" && u !== 0);
    expect(job.scope).toMatchObject({ kind: "cohort", members: { cohortName: "EU pilot", usersRead: USERS } });
    const stored = job.scope.kind === "cohort" ? job.scope.members! : null;
    expect([...stored!.ids].sort()).toEqual(members.map(userId).sort());
    expect(job.rowsCompared).toBe(members.length * 3);
    const differing = await app.control.sql<{ key: number }[]>`
      select (primary_key ->> 'id')::int as key from mismatches where reconciliation_job_id = ${id} order by 1`;
    expect(differing.map((r) => r.key)).toEqual(members.filter(differs).map((u) => u * 3));

    const page = await fetch(`${app.baseUrl}/reconciliations/${id}`, { headers: { Cookie: await app.login("viewer") } });
    expect(await page.text()).toContain(`cohort &#x27;EU pilot&#x27;: ${members.length} of ${USERS} users`);
  });

  it("counts a clean cohort-scoped verify as the cohort's freshness for that table, not another cohort's", async () => {
    const { cohortTableFreshness } = await import("../../../app/models/reconciliation-freshness.server");
    for (const cohort of [euCohort, apacCohort]) {
      await app.control.sql`insert into cohort_verified_tables (cohort_id, schema_name, table_name, max_age_hours) values (${cohort}, 'public', 'grades', 24)`;
    }
    await app.target.sql`update grades set score = score - 1 where id % 3 = 0 and (id / 3) % 10 = 0 and (id / 3) % 3 = 2`; // apac's rows repaired
    const created = await api("/api/v1/reconciliations", {
      table: "public.grades",
      scope: { kind: "cohort", cohortId: apacCohort, column: "user_id" },
      mode: "verify",
    });
    const job = await runJob((await created.json()).id);
    expect(job).toMatchObject({ status: "succeeded", missingInTarget: 0, extraInTarget: 0, valueMismatch: 0 });
    expect((await cohortTableFreshness(apacCohort))[0].verifiedAt).not.toBeNull();
    expect((await cohortTableFreshness(euCohort))[0].verifiedAt).toBeNull();
  });

  it("refuses an unknown cohort, a column the table lacks and a malformed cohort id with 400, and starts nothing", async () => {
    const before = await app.control.sql`select count(*)::int as n from reconciliation_jobs`;
    const cases = [
      { cohortId: "00000000-0000-4000-8000-000000000000", column: "user_id", says: "cohortId: no such cohort" },
      { cohortId: euCohort, column: "owner_id", says: "has no column owner_id on the source" },
      { cohortId: "eu", column: "user_id", says: "must be a cohort id" },
    ];
    for (const { says, ...scope } of cases) {
      const response = await api("/api/v1/reconciliations", { table: "grades", scope: { kind: "cohort", ...scope }, mode: "verify" });
      expect(response.status).toBe(400);
      expect(JSON.stringify(await response.json())).toContain(says);
    }
    expect(await app.control.sql`select count(*)::int as n from reconciliation_jobs`).toEqual(before);
  });

  it("starts a cohort-scoped job from the new-job form, which names what is missing", async () => {
    const engineer = await app.login("engineer");
    const post = (form: Record<string, string>) =>
      fetch(`${app.baseUrl}/reconciliations?_data=${encodeURIComponent("routes/reconciliations._index")}`, {
        method: "POST",
        headers: { Cookie: engineer, Origin: app.baseUrl },
        body: new URLSearchParams({ table: "public.grades", concurrency: "2", rowsPerSecond: "", reason: "before EU moves on", ...form }),
        redirect: "manual",
      });
    const noColumn = await post({ scope: euCohort, userColumn: "" });
    expect(noColumn.status).toBe(400);
    expect((await noColumn.json()).errors.userColumn[0]).toContain("user id column");
    const wrongColumn = await post({ scope: euCohort, userColumn: "owner_id" });
    expect((await wrongColumn.json()).errors.userColumn[0]).toContain("has no column owner_id");
    const started = await post({ scope: euCohort, userColumn: "user_id" });
    expect(started.status).toBe(204); // the redirect to the job page, as Remix answers a data request
    const jobId = started.headers.get("x-remix-redirect")!.split("/").pop()!;
    const [job] = await app.control.sql`select scope, created_by from reconciliation_jobs where id = ${jobId}`;
    expect(job).toMatchObject({ scope: { kind: "cohort", cohortId: euCohort, column: "user_id" }, created_by: "engineer@demo.local" });
    const page = await (await fetch(`${app.baseUrl}/reconciliations`, { headers: { Cookie: engineer } })).text();
    expect(page).toContain("Cohort: EU pilot"); // the form's choice
    // cells carry the table kit's classes: compare their text
    const cells = page.replace(/<td[^>]*>/g, "<td>");
    expect(cells).toContain("<td>cohort EU pilot</td>"); // the first test's job, resolved
    expect(cells).toContain("<td>a cohort (resolving)</td>"); // this one, which no worker has run
  });

  it("refuses a cohort with more users than a scope can hold, saying so", async () => {
    const { resolveCohortMembers } = await import("../../../app/models/reconciliation-cohort.server");
    await expect(resolveCohortMembers(euCohort, { limit: 50, pageSize: 40 })).rejects.toThrow("cohort 'EU pilot' has more than 50 users in the source");
    const resolved = await resolveCohortMembers(euCohort, { pageSize: 7 });
    expect(resolved.ids).toHaveLength(99); // paged by 7: every page boundary crossed once
    expect(resolved.usersRead).toBe(USERS);
  });
});
