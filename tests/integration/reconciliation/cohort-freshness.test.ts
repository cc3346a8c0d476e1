import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let gate: (typeof import("../../../app/gates/freshness.server"))["freshnessGate"];
let cohortId: string;

beforeAll(async () => {
  app = await startTestApp();
  gate = (await import("../../../app/gates/freshness.server")).freshnessGate;
  // only this cohort's tables gate it here: the demo's schedules would gate every cohort
  await app.control.sql`delete from reconciliation_schedules`;
  [{ id: cohortId }] = await app.control.sql<{ id: string }[]>`
    insert into cohorts (name, priority, mode, salt) values ('Pilot', 1, 'dual_write', 'pilot') returning id`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const post = (cookie: string, form: Record<string, string>) =>
  fetch(`${app.baseUrl}/cohorts/${cohortId}?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: new URLSearchParams({ intent: "verified-tables", ...form }),
  });

const check = () => gate.check({ cohortId, cohortName: "c", fromMode: "dual_write", toMode: "shadow_read", fromBasisPoints: 0, toBasisPoints: 100 });

async function verifiedClean(table: string, hoursAgo: number) {
  await app.control.sql`
    insert into reconciliation_jobs (schema_name, table_name, scope, mode, status, created_by, started_at, finished_at)
    values ('public', ${table}, '{"kind": "table"}', 'verify', 'succeeded', 'test', now() - ${`${hoursAgo} hours`}::interval, now() - ${`${hoursAgo} hours`}::interval)`;
}

describe("cohort freshness", () => {
  it("lets an engineer require tables verified clean for a cohort (audited), which then gate its advances", async () => {
    expect((await post(await app.login("viewer"), { tables: "lessons", maxAgeHours: "24", reason: "r" })).status).toBe(403);
    const engineer = await app.login("engineer");
    const invalid = await post(engineer, { tables: "a.b.c", maxAgeHours: "0", reason: "" });
    expect(invalid.status).toBe(400);
    expect(Object.keys((await invalid.json()).errors).sort()).toEqual(["tables.maxAgeHours", "tables.reason", "tables.tables"]);

    const saved = await post(engineer, { tables: "lessons\npublic.grades, lessons", maxAgeHours: "24", reason: "before the pilot moves on" });
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ tablesSaved: true });
    expect(await app.control.sql`select schema_name, table_name, max_age_hours from cohort_verified_tables where cohort_id = ${cohortId} order by 2`).toEqual([
      { schema_name: "public", table_name: "grades", max_age_hours: 24 },
      { schema_name: "public", table_name: "lessons", max_age_hours: 24 },
    ]);
    const [audit] = await app.control.sql`select reason, after from audit_log where action = 'cohort.verified_tables' and entity_id = ${cohortId}`;
    expect(audit).toMatchObject({ reason: "before the pilot moves on", after: [{ table: "public.lessons" }, { table: "public.grades" }] });

    const never = await check();
    expect(never.passed).toBe(false);
    expect(never.reason).toContain("public.grades (never verified clean");

    await verifiedClean("grades", 1);
    await verifiedClean("lessons", 30); // older than 24 hours
    const stale = await check();
    expect(stale.passed).toBe(false);
    expect(stale.reason).toContain("public.lessons (last clean");
    expect(stale.reason).not.toContain("public.grades");

    await verifiedClean("lessons", 2);
    expect(await check()).toMatchObject({ passed: true });

    // the cohort page shows the required tables and their state
    const page = await fetch(`${app.baseUrl}/cohorts/${cohortId}`, { headers: { Cookie: await app.login("viewer") } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain("public.lessons");
    expect(html).toContain("fresh");
  });
});
