import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
type ScheduleModel = typeof import("../../../app/models/reconciliation-schedule.server");
let schedules: ScheduleModel;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) await db.sql.unsafe(`create table rooms (id int primary key, name text); create table desks (id int primary key)`);
    },
  });
  schedules = await import("../../../app/models/reconciliation-schedule.server");
}, 120_000);

afterAll(async () => {
  await app?.close();
});

const post = async (role: "viewer" | "support" | "engineer", form: Record<string, string>) =>
  fetch(`${app.baseUrl}/reconciliations?_data=${encodeURIComponent("routes/reconciliations._index")}`, {
    method: "POST",
    headers: { Cookie: await app.login(role), Origin: app.baseUrl },
    body: new URLSearchParams(form),
  });

describe("reconciliation schedules", () => {
  it("lets an engineer schedule a table (audited); viewer and support get 403", async () => {
    for (const role of ["viewer", "support"] as const) {
      expect((await post(role, { intent: "schedule", table: "public.rooms", everyHours: "6", reason: "x" })).status).toBe(403);
    }
    const invalid = await post("engineer", { intent: "schedule", table: "public.rooms", everyHours: "0", reason: "" });
    expect(invalid.status).toBe(400);
    expect((await invalid.json()).errors).toMatchObject({ everyHours: expect.any(Array), reason: expect.any(Array) });

    expect((await post("engineer", { intent: "schedule", table: "public.rooms", everyHours: "6", reason: "nightly proof" })).status).toBe(200);
    expect((await post("engineer", { intent: "schedule", table: "public.desks", everyHours: "12", reason: "nightly proof" })).status).toBe(200);
    expect(await app.control.sql`select schema_name, table_name, every_hours, enabled from reconciliation_schedules order by table_name`).toEqual([
      { schema_name: "public", table_name: "desks", every_hours: 12, enabled: true },
      { schema_name: "public", table_name: "rooms", every_hours: 6, enabled: true },
    ]);
    const [audit] = await app.control.sql`
      select actor_label, after, reason from audit_log where action = 'reconciliation.schedule' and entity_id = 'public.rooms'`;
    expect(audit).toMatchObject({ actor_label: expect.stringContaining("engineer"), after: { everyHours: 6 }, reason: "nightly proof" });
  });

  it("queues exactly one verify job per due schedule, even with several workers sweeping at once", async () => {
    // rooms is due (last queued 7 h ago, every 6 h); desks was queued an hour ago (every 12 h): not due
    await app.control.sql`update reconciliation_schedules set last_queued_at = now() - interval '7 hours' where table_name = 'rooms'`;
    await app.control.sql`update reconciliation_schedules set last_queued_at = now() - interval '1 hour' where table_name = 'desks'`;
    const runs = await Promise.all(Array.from({ length: 6 }, () => schedules.queueDueSchedules()));
    const ids = runs.flat();
    expect(ids).toHaveLength(1);
    const jobs = await app.control.sql`select id, table_name, mode::text, status::text, created_by from reconciliation_jobs`;
    expect(jobs).toEqual([{ id: ids[0], table_name: "rooms", mode: "verify", status: "queued", created_by: "cutover" }]);
    // claimed: not due again until six hours have passed
    expect(await schedules.queueDueSchedules()).toEqual([]);

    expect((await post("engineer", { intent: "unschedule", table: "public.rooms" })).status).toBe(200);
    await app.control.sql`update reconciliation_schedules set last_queued_at = null`;
    expect((await schedules.queueDueSchedules()).length).toBe(1);
    expect(await app.control.sql`select action from audit_log where action = 'reconciliation.unschedule'`).toHaveLength(1);
  });
});
