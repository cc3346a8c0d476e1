import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainMismatchInbox } from "~/models/mismatch-fold.server";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let reconciliation: typeof import("../../../app/models/reconciliation.server");
let worker: typeof import("../../../app/reconciliation/worker.server");
const actor = { type: "user" as const, id: null, label: "engineer@test" };

// Every e-mail address below is a secret the control DB must never hold in clear once users.email is sensitive.
const EMAILS = [
  "ada@example.com",
  "ada@example.org",
  "bob@example.com",
  "cy@example.com",
  "dee@example.com",
  "eve@example.com",
  "early@example.com",
  "early@example.net",
];

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) {
        await db.sql.unsafe(`create table users (id int primary key, email text, name text);
          insert into users values (1, 'ada@example.com', 'Ada'), (2, 'bob@example.com', 'Bob'), (3, 'cy@example.com', 'Cy'), (4, 'dee@example.com', 'Dee')`);
      }
      // 1: the e-mail differs; 2: only the name differs (equal e-mails); 3: missing on the target
      await target.sql.unsafe(
        `update users set email = 'ada@example.org' where id = 1; update users set name = 'Robert' where id = 2; delete from users where id = 3`,
      );
    },
  });
  reconciliation = await import("../../../app/models/reconciliation.server");
  worker = await import("../../../app/reconciliation/worker.server");
}, 180_000);

afterAll(async () => {
  await app?.close();
});

const report = (mismatches: unknown[]) =>
  fetch(`${app.baseUrl}/api/v1/mismatches`, {
    method: "POST",
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
    body: JSON.stringify({ mismatches }),
  });

const settings = async (form: Record<string, string>, role: "admin" | "engineer" = "admin") =>
  fetch(`${app.baseUrl}/settings?_data=${encodeURIComponent("routes/settings._index")}`, {
    method: "POST",
    headers: { Cookie: await app.login(role), Origin: app.baseUrl },
    body: new URLSearchParams(form),
  });

const HASH = /^sensitive:hmac-sha256:[0-9a-f]{64}$/;

function expectNoEmail(text: string, where: string) {
  for (const email of EMAILS) expect(text.includes(email), `${email} in ${where}`).toBe(false);
}

describe("sensitive columns", () => {
  it("hashes a marked column in every stored record, keeping equal/different, and never shows it in clear", async () => {
    // a record stored before the column was marked: hashed when it is marked
    expect(
      (
        await report([
          {
            origin: "shadow_read",
            kind: "value_mismatch",
            table: "users",
            primaryKey: 9,
            sourceValue: { email: "early@example.com" },
            targetValue: { email: "early@example.net" },
          },
        ])
      ).status,
    ).toBe(202);
    await drainMismatchInbox();
    // and one still staged in the inbox when the column is marked: hashed where it waits
    expect(
      (
        await report([
          {
            origin: "shadow_read",
            kind: "value_mismatch",
            table: "users",
            primaryKey: 10,
            sourceValue: { email: "early@example.com", name: "E" },
            targetValue: { email: "early@example.com", name: "F" },
          },
        ])
      ).status,
    ).toBe(202);

    expect((await settings({ intent: "mark-sensitive", table: "users", column: "email", reason: "e-mail addresses" }, "engineer")).status).toBe(403);
    expect((await settings({ intent: "mark-sensitive", table: "users", column: "email", reason: "" })).status).toBe(400);
    expect((await settings({ intent: "mark-sensitive", table: "public.users", column: "Email", reason: "e-mail addresses are personal data" })).status).toBe(
      200,
    );
    const [early] = await app.control.sql`select source_value->>'email' as s, target_value->>'email' as t from mismatches where primary_key = '{"id":9}'`;
    expect(early.s).toMatch(HASH);
    expect(early.t).toMatch(HASH);
    expect(early.s).not.toBe(early.t);
    expectNoEmail((await app.control.sql`select string_agg(records, '') as text from mismatch_inbox`)[0].text, "the inbox");
    await drainMismatchInbox();
    const [staged] = await app.control
      .sql`select differing_fields, source_value->>'email' as s, target_value->>'email' as t from mismatches where primary_key = '{"id":10}'`;
    expect(staged.differing_fields).toEqual(["name"]);
    expect(staged.s).toMatch(HASH);
    expect(staged.s).toBe(staged.t);

    const settingsPage = await fetch(`${app.baseUrl}/settings`, { headers: { Cookie: await app.login("viewer") } });
    expect(settingsPage.status).toBe(200);
    expect(await settingsPage.text()).toMatch(/Sensitive columns[\s\S]*users<!-- -->.<!-- -->email/);

    // the API path (inbox, fold): a shadow read and a dual-write error
    expect(
      (
        await report([
          {
            origin: "shadow_read",
            kind: "value_mismatch",
            table: "users",
            primaryKey: 5,
            sourceValue: { email: "eve@example.com", name: "Eve" },
            targetValue: { email: "eve@example.com", name: "Eva" },
          },
          {
            origin: "dual_write_error",
            kind: "write_error",
            table: "public.users",
            primaryKey: 6,
            sourceValue: { email: "dee@example.com" },
            targetValue: null,
          },
        ])
      ).status,
    ).toBe(202);
    await drainMismatchInbox();
    const [eve] = await app.control
      .sql`select differing_fields, source_value->>'email' as s, target_value->>'email' as t, target_value->>'name' as name from mismatches where primary_key = '{"id":5}'`;
    expect(eve).toMatchObject({ differing_fields: ["name"], name: "Eva" });
    expect(eve.s).toMatch(HASH);
    expect(eve.s).toBe(eve.t);

    // the reconciliation engine's findings
    const jobId = await reconciliation.createReconciliationJob(
      { schemaName: "public", tableName: "users", scope: { kind: "table" }, mode: "verify", concurrency: 1, reason: "sensitive test" },
      actor,
    );
    await worker.runReconciliationWorker(jobId, { source: app.source.sql, target: app.target.sql });
    const found = await app.control.sql<{ key: string; kind: string; differing_fields: string[]; s: string | null; t: string | null }[]>`
      select primary_key ->> 'id' as key, kind::text, differing_fields, source_value->>'email' as s, target_value->>'email' as t
      from mismatches where reconciliation_job_id = ${jobId} order by 1`;
    expect(found.map((f) => [f.key, f.kind, f.differing_fields])).toEqual([
      ["1", "value_mismatch", ["email"]],
      ["2", "value_mismatch", ["name"]],
      ["3", "missing_in_target", []],
    ]);
    expect(found[0].s).toMatch(HASH);
    expect(found[0].s).not.toBe(found[0].t);
    expect(found[1].s).toMatch(HASH);
    expect(found[1].s).toBe(found[1].t);
    expect(found[2].s).toMatch(HASH);

    // nothing in clear: records, exports, audit log
    const stored = await app.control
      .sql`select coalesce(string_agg(source_value::text || ' ' || coalesce(target_value::text, ''), ' '), '') as text from mismatches`;
    expectNoEmail(stored[0].text, "mismatch records");
    const viewer = await app.login("viewer");
    for (const format of ["csv", "json"]) {
      const exported = await fetch(`${app.baseUrl}/mismatches/export?format=${format}`, { headers: { Cookie: viewer } });
      expect(exported.status).toBe(200);
      const text = await exported.text();
      expect(text).toContain("sensitive:hmac-sha256:");
      expectNoEmail(text, `the ${format} export`);
    }
    const audit = await app.control.sql`select coalesce(string_agg(concat_ws(' ', action, before::text, after::text, reason), ' '), '') as text from audit_log`;
    expectNoEmail(audit[0].text, "the audit log");
    const [mark] = await app.control.sql`select after, reason from audit_log where action = 'sensitive_column.mark'`;
    expect(mark).toMatchObject({ after: { tableName: "users", columnName: "email", recordsRehashed: 1 }, reason: "e-mail addresses are personal data" });

    // the detail page says what the value is and whether the sides agree, never the hash or the address
    const [{ id: differing }] = await app.control.sql`select id from mismatches where reconciliation_job_id = ${jobId} and primary_key ->> 'id' = '1'`;
    const page = await (await fetch(`${app.baseUrl}/mismatches/${differing}`, { headers: { Cookie: viewer } })).text();
    expect(page).toContain("sensitive (hashed)");
    expect(page).toContain("(different from the source)");
    expectNoEmail(page, "the detail page");
    const [{ id: equal }] = await app.control.sql`select id from mismatches where primary_key = '{"id":5}'`;
    expect(await (await fetch(`${app.baseUrl}/mismatches/${equal}`, { headers: { Cookie: viewer } })).text()).toContain("(equal to the source)");

    // unmarking is audited; what was hashed stays hashed
    expect((await settings({ intent: "unmark-sensitive", table: "users", column: "email", reason: "test done" })).status).toBe(200);
    expect(await app.control.sql`select 1 from sensitive_columns`).toEqual([]);
    expect((await app.control.sql`select action from audit_log where action = 'sensitive_column.unmark'`).length).toBe(1);
  });
});
