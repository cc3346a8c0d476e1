import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let pilot: string;
const rules: Record<string, string> = {};

// 60 users, eu (u % 3 == 0) in a dual_write cohort, everyone else on the default source_only.
const USERS = 60;
const region = (u: number) => ["eu", "us", "apac"][u % 3];

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      await source.sql.unsafe(`create table users (id text primary key, region text, country text, school_id int, plan text);
        insert into users select 'user-' || g, (array['eu', 'us', 'apac'])[g % 3 + 1], 'DE', g % 7, 'free' from generate_series(0, ${USERS - 1}) g`);
      for (const db of [source, target]) {
        // enrollments: 2,000 rows, one per user in turn
        await db.sql.unsafe(`create table enrollments (id bigint primary key, user_id text not null, grade numeric, note text, at timestamptz);
          insert into enrollments select g, 'user-' || (g % ${USERS}), (g % 100) + 0.5, 'note ' || g,
            timestamptz '2024-09-01 08:00:00.123456+00' + g * interval '1 minute' from generate_series(1, 2000) g`);
        await db.sql.unsafe(`create table grades (id bigint primary key, user_id text not null, score int not null);
          insert into grades select g, 'user-' || (g % ${USERS}), g % 100 from generate_series(1, 3000) g`);
      }
      // only formatting differences, each covered by one of the rules below
      await target.sql.unsafe(`update enrollments set grade = (grade::text || '0')::numeric where id % 7 = 0;
        update enrollments set note = note || '   ' where id % 11 = 0;
        update enrollments set at = date_trunc('milliseconds', at) where id % 13 = 0`);
      // rows of users on source_only were never copied; rows of eu (dual_write) users are lost writes
      await target.sql.unsafe(`delete from grades where id % 50 = 0`);
      await source.sql.unsafe(`create table typed (id bigint primary key, user_id text)`);
      await target.sql.unsafe(`create table typed (id bigint primary key, user_id bigint)`);
    },
  });
  [{ id: pilot }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
    values ('EU pilot', 1, 'dual_write', 10000, 'eu', '{"regions": ["eu"]}') returning id`;
  for (const [kind, column, digits] of [
    ["numeric_scale", "grade", null],
    ["trailing_spaces", "note", null],
    ["timestamp_precision", "at", 3],
  ] as const) {
    const [row] = await app.control.sql<{ id: string }[]>`
      insert into normalization_rules (kind, table_name, column_name, digits, author_label, reason)
      values (${kind}, 'enrollments', ${column}, ${digits}, 'test', 'known engine difference') returning id`;
    rules[column] = row.id;
  }
  await app.control.sql`delete from reconciliation_schedules`;
  await app.control.sql`insert into cohort_verified_tables (cohort_id, schema_name, table_name, max_age_hours) values (${pilot}, 'public', 'enrollments', 24)`;
}, 180_000);

afterAll(async () => {
  await app?.close();
});

const api = (path: string, body: unknown) =>
  fetch(`${app.baseUrl}${path}`, {
    method: "POST",
    body: JSON.stringify(body),
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
  });

async function runJob(id: string) {
  const { getReconciliationJob } = await import("../../../app/models/reconciliation.server");
  const { runReconciliationWorker } = await import("../../../app/reconciliation/worker.server");
  const { sideSql } = await import("../../../app/utils/databases.server");
  await runReconciliationWorker(id, { source: sideSql("source"), target: sideSql("target") });
  return (await getReconciliationJob(id))!;
}

async function start(body: Record<string, unknown>) {
  const created = await api("/api/v1/reconciliations", { mode: "verify", ...body });
  expect(created.status).toBe(202);
  return runJob((await created.json()).id);
}

describe("expected state", () => {
  it("verifies a table whose every difference a rule covers clean, counted per rule, and it passes the freshness gate", async () => {
    const job = await start({ table: "enrollments" });
    expect(job).toMatchObject({ status: "succeeded", missingInTarget: 0, extraInTarget: 0, valueMismatch: 0 });
    const ids = (m: number) => Array.from({ length: 2000 }, (_, i) => i + 1).filter((id) => id % m === 0);
    const covered = new Set([...ids(7), ...ids(11), ...ids(13)]);
    expect(job.ignoredByRule).toBe(covered.size);
    expect(job.ignoredRules).toEqual({ [rules.grade]: ids(7).length, [rules.note]: ids(11).length, [rules.at]: ids(13).length });
    expect(await app.control.sql`select 1 from mismatches where reconciliation_job_id = ${job.id}`).toHaveLength(0);

    const { freshnessGate } = await import("../../../app/gates/freshness.server");
    const verdict = await freshnessGate.check({
      cohortId: pilot,
      cohortName: "EU pilot",
      fromMode: "dual_write",
      toMode: "shadow_read",
      fromBasisPoints: 0,
      toBasisPoints: 100,
    });
    expect(verdict).toMatchObject({ passed: true });

    const page = await fetch(`${app.baseUrl}/reconciliations/${job.id}`, { headers: { Cookie: await app.login("viewer") } });
    const html = await page.text();
    expect(html).toContain("Ignored by rule");
    expect(html).toContain("ignore numeric scale in enrollments.grade");
    expect(html).toContain("whole-table meaning");
  });

  it("reports rows of source_only owners missing on the target as not yet migrated, and mirrored owners' as mismatches with the user id", async () => {
    const job = await start({ table: "grades", ownerColumn: "user_id" });
    expect(job.status).toBe("succeeded");
    const missing = Array.from({ length: 3000 }, (_, i) => i + 1).filter((id) => id % 50 === 0);
    const mirrored = missing.filter((id) => region(id % USERS) === "eu");
    expect(mirrored.length).toBeGreaterThan(0);
    expect(job.missingInTarget).toBe(mirrored.length);
    expect(job.notYetMigrated).toBe(missing.length - mirrored.length);
    const records = await app.control.sql<{ key: number; user_id: string }[]>`
      select (primary_key ->> 'id')::int as key, user_id from mismatches where reconciliation_job_id = ${job.id} order by 1`;
    expect(records).toEqual(mirrored.map((id) => ({ key: id, user_id: `user-${id % USERS}` })));

    // the owner column comes from Settings (engineers, audited) when the request does not name one
    const settings = async (role: "viewer" | "engineer", form: Record<string, string>) =>
      fetch(`${app.baseUrl}/settings?_data=${encodeURIComponent("routes/settings._index")}`, {
        method: "POST",
        headers: { Cookie: await app.login(role), Origin: app.baseUrl },
        body: new URLSearchParams({ intent: "owner-column", ...form }),
      });
    expect((await settings("viewer", { table: "grades", column: "user_id", reason: "r" })).status).toBe(403);
    const wrong = await settings("engineer", { table: "grades", column: "owner_id", reason: "r" });
    expect(wrong.status).toBe(400);
    expect(JSON.stringify(await wrong.json())).toContain("has no column owner_id on the source");
    expect((await settings("engineer", { table: "grades", column: "user_id", reason: "partial rollout" })).status).toBe(200);
    const page = await (await fetch(`${app.baseUrl}/settings`, { headers: { Cookie: await app.login("viewer") } })).text();
    expect(page).toMatch(/public\.grades(<!-- -->)?: <code>user_id<\/code>/);
    const fromSettings = await start({ table: "grades" });
    expect(fromSettings).toMatchObject({ ownerColumn: "user_id", missingInTarget: mirrored.length, notYetMigrated: missing.length - mirrored.length });
    const [audit] = await app.control.sql`select reason, after from audit_log where action = 'reconciliation.owner_column'`;
    expect(audit).toMatchObject({ reason: "partial rollout", after: { column: "user_id" } });
    const jobPage = await fetch(`${app.baseUrl}/reconciliations/${fromSettings.id}`, { headers: { Cookie: await app.login("viewer") } });
    expect(await jobPage.text()).toContain("Owner column user_id");
    // per table: what its latest verify found not yet migrated, and its owner column
    const list = (await (await fetch(`${app.baseUrl}/reconciliations`, { headers: { Cookie: await app.login("viewer") } })).text()).replace(
      /<td[^>]*>/g,
      "<td>",
    );
    expect(list).toMatch(new RegExp(`public(<!-- -->)?\\.(<!-- -->)?grades</td>.*?<td>${missing.length - mirrored.length}</td><td>0</td><td>user_id</td>`));
  });

  it("refuses an owner column that does not exist, or has another type on one side, with 400 naming it", async () => {
    const unknown = await api("/api/v1/reconciliations", { table: "grades", ownerColumn: "owner_id", mode: "verify" });
    expect(unknown.status).toBe(400);
    expect(JSON.stringify(await unknown.json())).toContain("has no column owner_id on the source");
    const typed = await api("/api/v1/reconciliations", { table: "typed", ownerColumn: "user_id", mode: "verify" });
    expect(typed.status).toBe(400);
    expect(JSON.stringify(await typed.json())).toContain("owner column user_id is text on the source but bigint on the target");
  });

  it("serves the active rules beside the ruleset with their own ETag, which the client's poller applies", async () => {
    const { NormalizationRulesPoller } = await import("../../../client/src/normalization-rules-poller");
    let served: readonly { id: string }[] = [];
    const poller = new NormalizationRulesPoller({ url: app.baseUrl, token: app.token, pollIntervalMs: 60_000, onRules: (r) => (served = r) });
    expect(await poller.poll()).toBe(true);
    expect(served.map((r) => r.id).sort()).toEqual(Object.values(rules).sort());
    const etag = poller.etag;
    expect(etag).toMatch(/^"/);
    const again = await fetch(`${app.baseUrl}/api/v1/normalization-rules`, { headers: { authorization: `Bearer ${app.token}`, "if-none-match": etag! } });
    expect(again.status).toBe(304);
    await app.control.sql`update normalization_rules set deleted_at = now() where id = ${rules.note}`;
    expect(await poller.poll()).toBe(true);
    expect(poller.etag).not.toBe(etag);
    expect(served.map((r) => r.id).sort()).toEqual([rules.grade, rules.at].sort());
    await app.control.sql`update normalization_rules set deleted_at = null where id = ${rules.note}`;
    poller.close();
  });

  it("refuses a rule the SQL twin cannot apply to its column, with the reason, and saves nothing", async () => {
    const before = await app.control.sql`select count(*)::int as n from normalization_rules`;
    const response = await fetch(`${app.baseUrl}/mismatches/rules?_data=${encodeURIComponent("routes/mismatches.rules")}`, {
      method: "POST",
      headers: { Cookie: await app.login("engineer"), Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "create", kind: "numeric_scale", table: "enrollments", column: "note", reason: "grades as text" }),
    });
    expect(response.status).toBe(400);
    expect((await response.json()).errors.kind[0]).toContain("numeric_scale cannot be applied by reconciliation to note: its type on the source is text");
    expect(await app.control.sql`select count(*)::int as n from normalization_rules`).toEqual(before);
  });
});
