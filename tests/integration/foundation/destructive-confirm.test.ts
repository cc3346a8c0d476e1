import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../../app/models/api-token.server";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

const settings = async (cookie: string, fields: Record<string, string>) =>
  fetch(`${app.baseUrl}/settings?_data=routes%2Fsettings._index`, {
    method: "POST",
    headers: { Cookie: cookie, Origin: app.baseUrl },
    body: new URLSearchParams(fields),
  });

describe("destructive settings actions", () => {
  it("revoke a token only when confirmed", async () => {
    const admin = await app.login("admin");
    const token = await createApiToken({ name: "ci", scopes: ["metrics:read"], createdBy: null });
    const unconfirmed = await settings(admin, { intent: "revoke-token", tokenId: token.id });
    expect(unconfirmed.status).toBe(400);
    const [still] = await app.control.sql`select revoked_at from api_tokens where id = ${token.id}`;
    expect(still.revoked_at).toBeNull();
    expect((await settings(admin, { intent: "revoke-token", tokenId: token.id, confirm: "yes" })).status).toBe(200);
    const [gone] = await app.control.sql`select revoked_at from api_tokens where id = ${token.id}`;
    expect(gone.revoked_at).not.toBeNull();
  });

  it("disable a user only when confirmed, naming them", async () => {
    const admin = await app.login("admin");
    const [viewer] = await app.control.sql`select id, email from users where role = 'viewer' limit 1`;
    const unconfirmed = await settings(admin, { intent: "update-user", userId: viewer.id, role: "viewer", disabled: "true" });
    expect(unconfirmed.status).toBe(400);
    expect((await unconfirmed.json()).errors.role[0]).toBe(`Confirm disabling ${viewer.email}`);
    expect((await settings(admin, { intent: "update-user", userId: viewer.id, role: "viewer", disabled: "true", confirm: "yes" })).status).toBe(200);
    const [row] = await app.control.sql`select disabled from users where id = ${viewer.id}`;
    expect(row.disabled).toBe(true);
  });
});
