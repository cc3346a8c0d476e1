import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) await db.sql`create table courses (id int primary key, title text)`;
    },
  });
});

afterAll(async () => {
  await app?.close();
});

const api = (path: string, init: RequestInit = {}, token = app.token) =>
  fetch(`${app.baseUrl}${path}`, { ...init, headers: { authorization: `Bearer ${token}`, "content-type": "application/json", ...init.headers } });

describe("reconciliation API", () => {
  it("starts a job (202 { id }), reports it, and cancels it", async () => {
    const created = await api("/api/v1/reconciliations", {
      method: "POST",
      body: JSON.stringify({ table: "public.courses", mode: "verify", rowsPerSecond: 1000 }),
    });
    expect(created.status).toBe(202);
    const { id } = await created.json();
    expect(id).toMatch(/^[0-9a-f-]{36}$/);

    const shown = await api(`/api/v1/reconciliations/${id}`);
    expect(shown.status).toBe(200);
    const body = await shown.json();
    expect(body).toMatchObject({ id, counts: { missing_in_target: 0, extra_in_target: 0, value_mismatch: 0 } });
    expect(["queued", "running", "succeeded"]).toContain(body.status);
    expect(body.progress).toHaveProperty("rowsCompared");

    const [audit] = await app.control.sql`select action from audit_log where entity_id = ${id}`;
    expect(audit.action).toBe("reconciliation.start");

    if (body.status !== "succeeded") {
      const cancelled = await api(`/api/v1/reconciliations/${id}/cancel`, { method: "POST" });
      expect(cancelled.status).toBe(202);
    }
  });

  it("validates the body and the scope of the token", async () => {
    const bad = await api("/api/v1/reconciliations", { method: "POST", body: JSON.stringify({ table: "a.b.c", mode: "compare" }) });
    expect(bad.status).toBe(400);
    const repair = await api("/api/v1/reconciliations", { method: "POST", body: JSON.stringify({ table: "courses", mode: "repair" }) });
    expect(repair.status).toBe(400);
    const anonymous = await api("/api/v1/reconciliations", { method: "POST", body: "{}" }, "not-a-token");
    expect(anonymous.status).toBe(401);
    expect((await api("/api/v1/reconciliations/00000000-0000-0000-0000-000000000000")).status).toBe(404);
  });
});
