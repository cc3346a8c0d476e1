import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainMismatchInbox } from "~/models/mismatch-fold.server";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
const ROWS = 1_200;

beforeAll(async () => {
  app = await startTestApp({
    async prepare({ source, target }) {
      for (const db of [source, target]) {
        await db.sql`create table documents (id int8 primary key, title text not null, updated_at timestamptz not null)`;
      }
      await source.sql`insert into documents values (1, 'Essay', '2024-03-01 10:00:00.123456+00'), (2, 'Same', '2024-03-01 10:00:00+00')`;
      await target.sql`insert into documents values (1, 'Essay!', '2024-03-01 10:00:00.123+00'), (2, 'Same', '2024-03-01 10:00:00+00')`;
    },
  });
  const mismatches = Array.from({ length: ROWS }, (_, i) => ({
    origin: "shadow_read",
    kind: "value_mismatch",
    table: i < 2 ? "documents" : "annotations",
    primaryKey: { id: i + 1 },
    userId: `user-${i % 3}`,
    cohort: null,
    sourceValue: { id: i + 1, title: i === 0 ? "Essay" : "A", updated_at: "2024-03-01 10:00:00.123456+00" },
    targetValue: { id: i + 1, title: i === 0 ? "Essay!" : "B", updated_at: "2024-03-01 10:00:00.123+00" },
    detectedAt: new Date(Date.now() - i * 1000).toISOString(),
  }));
  const response = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
    method: "POST",
    headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json" },
    body: JSON.stringify({ mismatches, comparisons: [] }),
  });
  expect(response.status).toBe(202);
  // Staged: fold it now (the worker's job) so the pages have their records.
  await drainMismatchInbox();
});
afterAll(async () => {
  await app?.close();
});

async function idOf(table: string, key: number): Promise<number> {
  const [row] = await app.control.sql`select id::int from mismatches where table_name = ${table} and primary_key = ${app.control.sql.json({ id: key })}`;
  return row.id;
}

describe("mismatch pages over HTTP", () => {
  it("renders the filtered triage list and the grouped view for a viewer", async () => {
    const cookie = await app.login("viewer");
    const list = await fetch(`${app.baseUrl}/mismatches?table=documents`, { headers: { Cookie: cookie } });
    expect(list.status).toBe(200);
    const html = await list.text();
    expect(html).toContain("Differing fields");
    expect(html).toMatch(/href="\/mismatches\/\d+"/);
    const groups = await fetch(`${app.baseUrl}/mismatches?view=groups`, { headers: { Cookie: cookie } });
    expect(await groups.text()).toContain("annotations");
  });

  it("exports every matching record as CSV and JSON, beyond one page", async () => {
    const cookie = await app.login("viewer");
    const csv = await (await fetch(`${app.baseUrl}/mismatches/export?format=csv&table=annotations`, { headers: { Cookie: cookie } })).text();
    const lines = csv.trim().split("\r\n");
    expect(lines[0]).toMatch(/^id,origin,kind,table,primaryKey/);
    expect(lines).toHaveLength(ROWS - 2 + 1);
    const body = await (await fetch(`${app.baseUrl}/mismatches/export?format=json`, { headers: { Cookie: cookie } })).json();
    expect(body).toHaveLength(ROWS);
    expect(body[0].primaryKey).toHaveProperty("id");
  });

  it("shows the detail with the differing field classified, and 404 for an unknown id", async () => {
    const cookie = await app.login("viewer");
    const id = await idOf("documents", 1);
    const html = await (await fetch(`${app.baseUrl}/mismatches/${id}`, { headers: { Cookie: cookie } })).text();
    expect(html).toContain("title differs");
    expect(html).toContain("precision difference");
    expect((await fetch(`${app.baseUrl}/mismatches/999999`, { headers: { Cookie: cookie } })).status).toBe(404);
  });

  it("lets support view but not change status (403, nothing written)", async () => {
    const cookie = await app.login("support");
    const id = await idOf("documents", 1);
    const response = await fetch(`${app.baseUrl}/mismatches/${id}?_data=routes%2Fmismatches.%24mismatchId`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "update", status: "resolved", note: "" }),
    });
    expect(response.status).toBe(403);
    const [row] = await app.control.sql`select status from mismatches where id = ${id}`;
    expect(row.status).toBe("open");
  });

  it("lets an engineer bulk-set status with a note, audited", async () => {
    const cookie = await app.login("engineer");
    const ids = [await idOf("annotations", 10), await idOf("annotations", 11)];
    const form = new URLSearchParams([
      ["intent", "bulk"],
      ["ids", String(ids[0])],
      ["ids", String(ids[1])],
      ["status", "investigating"],
      ["note", "checking the ORM"],
    ]);
    const response = await fetch(`${app.baseUrl}/mismatches?_data=routes%2Fmismatches._index`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: app.baseUrl },
      body: form,
    });
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ ok: true, changed: 2 });
    const rows = await app.control.sql`select status from mismatches where id = any(${ids}::bigint[])`;
    expect(rows.map((r) => r.status)).toEqual(["investigating", "investigating"]);
    const audits = await app.control.sql`select actor_label from audit_log where action = 'mismatch.update' and entity_id = any(${ids.map(String)})`;
    expect(audits).toHaveLength(2);
    expect(audits[0].actor_label).toBe("engineer@demo.local");
  });

  it("re-checks a row against both databases", async () => {
    const cookie = await app.login("support");
    const id = await idOf("documents", 1);
    const response = await fetch(`${app.baseUrl}/mismatches/${id}?_data=routes%2Fmismatches.%24mismatchId`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "recheck" }),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.recheck).toMatchObject({ stillDiffers: true, sourceFound: true, targetFound: true });
    expect(body.recheck.comparison.differingFields).toEqual(["title", "updated_at"]);
    const same = await idOf("documents", 2);
    const again = await (
      await fetch(`${app.baseUrl}/mismatches/${same}?_data=routes%2Fmismatches.%24mismatchId`, {
        method: "POST",
        headers: { Cookie: cookie, Origin: app.baseUrl },
        body: new URLSearchParams({ intent: "recheck" }),
      })
    ).json();
    expect(again.recheck.stillDiffers).toBe(false);
  });
  it("says when accepted records are still waiting to be folded, and when folding looks stalled", async () => {
    const cookie = await app.login("viewer");
    const record = { origin: "shadow_read", kind: "missing_in_target", table: "documents", primaryKey: { id: 99 }, sourceValue: { id: 99 } };
    const posted = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
      method: "POST",
      headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json" },
      body: JSON.stringify({ mismatches: [record, { ...record, primaryKey: { id: 100 } }], comparisons: [] }),
    });
    expect(posted.status).toBe(202);
    const page = async () => (await fetch(`${app.baseUrl}/mismatches`, { headers: { Cookie: cookie } })).text();
    const waiting = await page();
    expect(waiting).toContain("2 reported records are still being folded in");
    expect(waiting).not.toContain("is a worker running");
    await app.control.sql`update mismatch_inbox set received_at = now() - interval '10 minutes'`;
    expect(await page()).toContain("is a worker running");
    await drainMismatchInbox();
    expect(await page()).not.toContain("still being folded in");
  });

  it("shows set-aside batches to everyone, lets an engineer retry one and only an admin discard one, audited", async () => {
    const post = (cookie: string, form: Record<string, string>) =>
      fetch(`${app.baseUrl}/mismatches?_data=routes%2Fmismatches._index`, {
        method: "POST",
        headers: { Cookie: cookie, Origin: app.baseUrl },
        body: new URLSearchParams(form),
      });
    const stage = async (id: number) => {
      const record = { origin: "shadow_read", kind: "missing_in_target", table: "documents", primaryKey: { id }, sourceValue: { id } };
      const posted = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
        method: "POST",
        headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json" },
        body: JSON.stringify({ mismatches: [record], comparisons: [] }),
      });
      expect(posted.status).toBe(202);
    };
    await stage(501);
    await stage(502);
    // As a fold does when a batch fails alone (inbox.test.ts covers how it gets there).
    const moved = await app.control.sql`
      with moved as (delete from mismatch_inbox returning *)
      insert into mismatch_inbox_set_aside (id, records, comparisons, record_count, received_at, error)
      select id, records, comparisons, record_count, received_at, 'value refused <b>here</b> · SQLSTATE 22P02' from moved
      returning id`;
    const [first, second] = moved.map((r) => Number(r.id)).sort((a, b) => a - b);

    const viewer = await app.login("viewer");
    const html = await (await fetch(`${app.baseUrl}/mismatches`, { headers: { Cookie: viewer } })).text();
    expect(html).toContain("2 reported batches (2 records) could not be folded and are set aside");
    expect(html).toContain("value refused &lt;b&gt;here&lt;/b&gt; · SQLSTATE 22P02");
    expect(html).not.toContain(`Retry batch ${first}`);

    expect((await post(await app.login("support"), { intent: "retry-batch", batchId: String(first) })).status).toBe(403);
    const engineer = await app.login("engineer");
    const refused = await post(engineer, { intent: "discard-batch", batchId: String(first), reason: "junk" });
    expect(refused.status).toBe(403);
    expect(await refused.json()).toMatchObject({ ok: false, errors: { batchId: ["Only an admin can discard a batch"] } });
    expect((await post(engineer, { intent: "retry-batch", batchId: "x" })).status).toBe(400);

    const retried = await post(engineer, { intent: "retry-batch", batchId: String(first) });
    expect(retried.status).toBe(200);
    expect(await retried.json()).toMatchObject({ ok: true, notice: `Batch ${first} is back in the inbox and will be folded shortly.` });
    expect((await app.control.sql`select id from mismatch_inbox`).map((r) => Number(r.id))).toEqual([first]);
    expect((await post(engineer, { intent: "retry-batch", batchId: String(first) })).status).toBe(404);
    await drainMismatchInbox();
    expect(
      await app.control.sql`select 1 from mismatches where table_name = ${"documents"} and primary_key = ${app.control.sql.json({ id: 501 })}`,
    ).toHaveLength(1);

    const admin = await app.login("admin");
    expect((await post(admin, { intent: "discard-batch", batchId: String(second), reason: " " })).status).toBe(400);
    expect((await post(admin, { intent: "discard-batch", batchId: String(second), reason: "a load test's batch" })).status).toBe(200);
    expect(await app.control.sql`select 1 from mismatch_inbox_set_aside`).toHaveLength(0);
    const audits = await app.control.sql`
      select action, actor_label, reason from audit_log where entity_type = 'mismatch_batch' order by id`;
    expect(audits.map((a) => ({ ...a }))).toEqual([
      { action: "mismatch_batch.retry", actor_label: "engineer@demo.local", reason: null },
      { action: "mismatch_batch.discard", actor_label: "admin@demo.local", reason: "a load test's batch" },
    ]);
    expect(await (await fetch(`${app.baseUrl}/mismatches`, { headers: { Cookie: viewer } })).text()).not.toContain("could not be folded");
  });
});
