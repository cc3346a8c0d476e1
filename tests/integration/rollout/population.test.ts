import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gates } from "../../../app/gates/index.server";
import type { Cohort } from "../../../app/models/cohort.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSetupCohort } from "../../support/cohorts";
import { createSourceUsers } from "../../support/source-users";

// Names an admin could pick from a real catalog: quotes, spaces, a dot, an apostrophe and SQL-looking text.
const SCHEMA = 'tenant "A"';
const TABLE = 'app.users "people"; drop table users; --';

let app: TestApp;
let cohort: Cohort;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source }) => {
      // The demo's shape, read by the default mapping.
      await createSourceUsers(source.sql, 300, { region: "us", country: "US" });
      await source.sql.unsafe(`create schema "tenant ""A"""`);
      await source.sql.unsafe(`
        create table "tenant ""A"""."app.users ""people""; drop table users; --" (
          "user id" text primary key, "Region's" text, "plan ""tier""" text, "school.id" integer, "writes/day" numeric, tags text[])`);
      // 100 heavy writers in the EU (100 writes a day each), 900 light ones elsewhere (1 a day).
      await source.sql.unsafe(`
        insert into "tenant ""A"""."app.users ""people""; drop table users; --"
        select 'p-' || g, case when g < 100 then 'eu' else 'us' end, 'district', g % 7, case when g < 100 then 100 else 1 end, '{}'
        from generate_series(0, 999) g`);
      // Activity rows: 9 per EU user, 1 per other user, 5 by a user the users table does not know.
      await source.sql.unsafe(`create table "tenant ""A"""."events; --" ("who" text, n integer)`);
      await source.sql.unsafe(`
        insert into "tenant ""A"""."events; --"
        select 'p-' || g, r from generate_series(0, 999) g, generate_series(1, case when g < 100 then 9 else 1 end) r
        union all select 'ghost', 1 from generate_series(1, 5)`);
      // Big enough to be sampled rather than read whole (TABLESAMPLE above 40,000 users and 100,000 activity rows).
      await source.sql`create table accounts (account_id text primary key, zone text)`;
      await source.sql`insert into accounts select 'a-' || g, 'eu' from generate_series(1, 100000) g`;
      await source.sql`create table clicks (account_id text)`;
      await source.sql`insert into clicks select 'a-' || (g % 100000 + 1) from generate_series(1, 300000) g`;
      await source.sql`create table regional_accounts (account_id text, zone text) partition by list (zone)`;
      await source.sql`create table regional_accounts_eu partition of regional_accounts for values in ('eu')`;
      await source.sql`create table regional_accounts_us partition of regional_accounts for values in ('us')`;
      await source.sql`insert into regional_accounts select 'r-' || g, case when g % 2 = 0 then 'eu' else 'us' end from generate_series(1, 60000) g`;
      await source.sql`analyze regional_accounts_eu`;
      await source.sql`analyze regional_accounts_us`;
      await source.sql`analyze accounts`;
      await source.sql`analyze clicks`;
      await source.sql`create table members (member_no bigint primary key, area text)`;
      await source.sql`insert into members select g, 'eu' from generate_series(1, 50) g`;
    },
  });
  // Setup only: in this process the cohort is created without gates; the app under test keeps its real ones.
  gates.length = 0;
  cohort = await createSetupCohort({ name: "EU", mode: "dual_write", percentBasisPoints: 0, constraints: { regions: ["eu"] } });
});

afterAll(async () => {
  await app?.close();
});

const SETTINGS = "/settings?_data=routes%2Fsettings._index";
const HOSTILE = {
  schema: SCHEMA,
  table: TABLE,
  idColumn: "user id",
  regionColumn: "Region's",
  countryColumn: "",
  schoolIdColumn: "school.id",
  planColumn: 'plan "tier"',
};

const postSettings = async (cookie: string, fields: Record<string, string>) =>
  fetch(`${app.baseUrl}${SETTINGS}`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: new URLSearchParams({ intent: "population", ...fields }),
  });

/** The cohort page's preview of raising the EU cohort from 0% to 100%. */
async function previewEuAt100() {
  const engineer = await app.login("engineer");
  const response = await fetch(`${app.baseUrl}/cohorts/${cohort.id}?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`, {
    method: "POST",
    headers: { Cookie: engineer, Origin: app.baseUrl },
    body: new URLSearchParams({
      intent: "preview",
      name: "EU",
      priority: "1",
      mode: "dual_write",
      percent: "100",
      regions: "eu",
      budgetWindowMinutes: "60",
      version: String(cohort.version),
      reason: "x",
    }),
  });
  expect(response.status).toBe(200);
  return (await response.json()).preview;
}

async function storedMapping() {
  const rows = await app.control.sql`select value from settings where key = 'rollout.population'`;
  return rows[0]?.value ?? null;
}

describe("rollout population settings", () => {
  it("counts the demo's users table by default and shows the admin the source's tables and columns", async () => {
    const admin = await app.login("admin");
    const response = await fetch(`${app.baseUrl}${SETTINGS}&table=${encodeURIComponent(JSON.stringify([SCHEMA, TABLE]))}`, { headers: { Cookie: admin } });
    expect(response.status).toBe(200);
    const { population } = await response.json();
    expect(population.current.counts).toEqual({
      population: '300 users (exact count) in "public"."users"',
      sampled: 300,
      users: `exact: all 300 users of "public"."users" evaluated`,
      writes: "estimated, assuming equal writes per user",
    });
    expect(population.picker.tables.map((t: { schema: string; name: string }) => [t.schema, t.name])).toEqual(
      expect.arrayContaining([
        ["public", "users"],
        [SCHEMA, TABLE],
        ["public", "members"],
      ]),
    );
    expect(population.picker.columns.map((c: { name: string }) => c.name)).toEqual(["user id", "Region's", 'plan "tier"', "school.id", "writes/day", "tags"]);
    expect(population.picker.truncated).toEqual({ tables: false, activityColumns: false });

    const viewer = await app.login("viewer");
    const seen = await (await fetch(`${app.baseUrl}${SETTINGS}`, { headers: { Cookie: viewer } })).json();
    expect(seen.population.picker).toBeNull();
    expect(seen.population.current.counts.population).toContain("300 users");
  });

  it("says when the source has more tables than the picker lists", async () => {
    await app.source.sql.unsafe(`create schema many; do $$ begin for i in 1..2001 loop execute format('create table many.t%s (id int)', i); end loop; end $$`);
    try {
      const admin = await app.login("admin");
      const { population } = await (await fetch(`${app.baseUrl}${SETTINGS}`, { headers: { Cookie: admin } })).json();
      expect(population.picker.tables).toHaveLength(population.picker.limit);
      expect(population.picker.truncated.tables).toBe(true);
    } finally {
      await app.source.sql.unsafe("drop schema many cascade");
    }
  });

  it("refuses a viewer's and an engineer's change with 403", async () => {
    for (const role of ["viewer", "engineer"] as const) {
      const response = await postSettings(await app.login(role), { ...HOSTILE, reason: "x" });
      expect(response.status).toBe(403);
    }
    expect(await storedMapping()).toBeNull();
  });

  it("answers a bad mapping with a clear error per field and saves nothing", async () => {
    const admin = await app.login("admin");
    const cases: [Record<string, string>, string, RegExp][] = [
      [{ ...HOSTILE, table: "nope" }, "table", /no table "tenant ""A"""."nope"/],
      [{ ...HOSTILE, idColumn: "id" }, "idColumn", /has no column "id"/],
      [{ ...HOSTILE, regionColumn: "tags" }, "regionColumn", /"tags" is text\[\]: choose a text, enum, number or uuid column/],
      [{ ...HOSTILE, weightKind: "column", weightColumn: "Region's" }, "weightColumn", /"Region's" is text: choose a numeric column/],
      [{ ...HOSTILE, weightKind: "column", weightColumn: "" }, "weightColumn", /Choose the column that holds writes per user/],
      [{ ...HOSTILE, countTimeoutMs: "10" }, "countTimeoutMs", /At least 100 ms/],
    ];
    for (const [fields, field, message] of cases) {
      const response = await postSettings(admin, { ...fields, reason: "try" });
      expect(response.status, field).toBe(400);
      expect((await response.json()).errors[field]?.[0], field).toMatch(message);
    }
    const noReason = await postSettings(admin, { ...HOSTILE, reason: " " });
    expect(noReason.status).toBe(400);
    expect((await noReason.json()).errors.reason[0]).toMatch(/reason is required/);
    expect(await storedMapping()).toBeNull();
    const [{ n }] = await app.control.sql`select count(*)::int as n from audit_log where action = 'rollout.population.update'`;
    expect(n).toBe(0);
  });

  it("saves a mapping with hostile names (quoted, audited), and previews users and write traffic moving with it", async () => {
    const admin = await app.login("admin");
    const response = await postSettings(admin, {
      ...HOSTILE,
      weightKind: "column",
      weightColumn: "writes/day",
      countMethod: "exact",
      reason: "tenant A's users",
    });
    expect(response.status).toBe(200);
    expect((await response.json()).population).toMatch(/1,000 users \(exact count\) in "tenant ""A"""."app.users ""people""; drop table users; --"/);
    expect(await storedMapping()).toMatchObject({ ...HOSTILE, countryColumn: null, weightKind: "column", weightColumn: "writes/day", countMethod: "exact" });
    const [audit] = await app.control.sql`select actor_label, reason, before, after from audit_log where action = 'rollout.population.update'`;
    expect(audit).toMatchObject({ actor_label: "admin@demo.local", reason: "tenant A's users", before: { table: "users" }, after: { table: TABLE } });
    // The users table the names tried to drop is still there.
    const [{ n }] = await app.source.sql`select count(*)::int as n from users`;
    expect(n).toBe(300);

    // Raising the EU cohort to 100% moves the 100 EU users: 10% of users, but 10,000 of 10,900 daily writes.
    const p = await previewEuAt100();
    expect(p.transitions).toEqual([{ from: "source_only", to: "dual_write", kind: "advance", users: 100, writeShare: 10_000 / 10_900 }]);
    expect(p.movedShare).toBeCloseTo(0.1);
    expect(p.movedWriteShare).toBeCloseTo(10_000 / 10_900);
    expect(p.usersBasis.kind).toBe("exact");
    expect(p.writesBasis).toEqual({ kind: "exact", text: 'exact: writes per user from "writes/day" of every user' });
    expect(p.sampleError).toBeNull();

    // The support page reads one user's attributes through the same mapping.
    const support = await app.login("support");
    const user = await (await fetch(`${app.baseUrl}/users?userId=p-3&_data=routes%2Fusers._index`, { headers: { Cookie: support } })).json();
    expect(user.result).toMatchObject({ knownInSource: true, sourceError: null, attributes: { region: "eu", plan: "district", schoolId: "3" } });
  });

  it("estimates write traffic from activity rows per user, labelled as an estimate", async () => {
    const admin = await app.login("admin");
    const activity = (column: string) => JSON.stringify([SCHEMA, "events; --", column]);
    const wrongType = await postSettings(admin, { ...HOSTILE, weightKind: "activity", activity: activity("n"), reason: "activity" });
    expect(wrongType.status).toBe(400);
    expect((await wrongType.json()).errors.activity[0]).toBe(`"n" is integer but the users' id column is text: choose a column of the id's type`);
    const none = await postSettings(admin, { ...HOSTILE, weightKind: "activity", activity: "", reason: "activity" });
    expect((await none.json()).errors.activity[0]).toMatch(/Choose the activity table/);

    const saved = await postSettings(admin, { ...HOSTILE, weightKind: "activity", activity: activity("who"), reason: "writes follow events" });
    expect(saved.status).toBe(200);
    expect(await storedMapping()).toMatchObject({
      weightKind: "activity",
      weightColumn: null,
      activity: { schema: SCHEMA, table: "events; --", column: "who" },
    });
    const page = await (await fetch(`${app.baseUrl}${SETTINGS}`, { headers: { Cookie: admin } })).json();
    expect(page.population.picker.activityColumns).toContainEqual({ schema: SCHEMA, table: "events; --", column: "who" });

    // The EU users write 900 of the 1,800 activity rows of known users.
    const p = await previewEuAt100();
    expect(p.movedShare).toBeCloseTo(0.1);
    expect(p.movedWriteShare).toBeCloseTo(0.5);
    expect(p.writesBasis).toEqual({
      kind: "estimated",
      text: 'estimated from all 1,800 rows of "tenant ""A"""."events; --" per "who" (activity as a proxy for writes)',
    });
  });

  it("samples a large users table, scaled to the planner estimate or to an exact count, and samples activity rows", async () => {
    const admin = await app.login("admin");
    const accounts = {
      schema: "public",
      table: "accounts",
      idColumn: "account_id",
      regionColumn: "zone",
      countryColumn: "",
      schoolIdColumn: "",
      planColumn: "",
    };
    const counts = async () => (await (await fetch(`${app.baseUrl}${SETTINGS}`, { headers: { Cookie: admin } })).json()).population.current.counts;

    expect((await postSettings(admin, { ...accounts, reason: "accounts" })).status).toBe(200);
    const estimated = await counts();
    expect(estimated.population).toBe('~100,000 users (planner estimate) in "public"."accounts"');
    expect(estimated.sampled).toBeGreaterThan(5_000);
    expect(estimated.sampled).toBeLessThanOrEqual(20_000);

    // A partitioned table: estimated from its partitions' statistics, sampled through the parent.
    expect((await postSettings(admin, { ...accounts, table: "regional_accounts", reason: "partitioned" })).status).toBe(200);
    const partitioned = await counts();
    expect(partitioned.population).toBe('~60,000 users (planner estimate) in "public"."regional_accounts"');
    expect(partitioned.sampled).toBeGreaterThan(5_000);

    const activity = JSON.stringify(["public", "clicks", "account_id"]);
    const saved = await postSettings(admin, { ...accounts, countMethod: "exact", weightKind: "activity", activity, reason: "accounts, counted" });
    expect(saved.status).toBe(200);
    const exact = await counts();
    expect(exact.population).toBe('100,000 users (exact count) in "public"."accounts"');
    expect(exact.writes).toMatch(/^estimated from a sample of [\d,]+ rows of "public"."clicks" per "account_id"/);
  });

  it("maps a table with integer ids: a non-numeric id is simply not in the source", async () => {
    const admin = await app.login("admin");
    const saved = await postSettings(admin, {
      schema: "public",
      table: "members",
      idColumn: "member_no",
      regionColumn: "area",
      countryColumn: "",
      schoolIdColumn: "",
      planColumn: "",
      reason: "members",
    });
    expect(saved.status).toBe(200);
    const support = await app.login("support");
    const found = await (await fetch(`${app.baseUrl}/users?userId=7&_data=routes%2Fusers._index`, { headers: { Cookie: support } })).json();
    expect(found.result).toMatchObject({ knownInSource: true, attributes: { region: "eu" } });
    const notAnId = await (await fetch(`${app.baseUrl}/users?userId=abc&_data=routes%2Fusers._index`, { headers: { Cookie: support } })).json();
    expect(notAnId.result).toMatchObject({ knownInSource: false, sourceError: null });
  });
});
