import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;

beforeAll(async () => {
  app = await startTestApp();
});

afterAll(async () => {
  await app?.close();
});

describe("sessions and roles over HTTP", () => {
  it("redirects an anonymous page request to /login, keeping where it was going", async () => {
    const response = await fetch(`${app.baseUrl}/mismatches?status=open`, { redirect: "manual" });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/login?redirectTo=%2Fmismatches%3Fstatus%3Dopen");
  });

  it("rejects a wrong password with 401 and sets no session", async () => {
    const response = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      headers: { Origin: app.baseUrl },
      body: new URLSearchParams({ email: "admin@demo.local", password: "nope" }),
      redirect: "manual",
    });
    expect(response.status).toBe(401);
    expect(response.headers.get("set-cookie")).toBeNull();
    expect(await response.text()).toContain("Wrong email or password");
  });

  it("sets an HttpOnly, SameSite=Lax session cookie and never redirects off-site", async () => {
    const response = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      headers: { Origin: app.baseUrl },
      body: new URLSearchParams({ email: "cto@demo.local", password: "cutover-demo", redirectTo: "//evil.example/" }),
      redirect: "manual",
    });
    expect(response.status).toBe(302);
    expect(response.headers.get("location")).toBe("/");
    const cookie = response.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Lax/i);
  });

  it("answers 403 when support posts an admin action, and writes nothing", async () => {
    const cookie = await app.login("support");
    const response = await fetch(`${app.baseUrl}/settings?_data=routes%2Fsettings._index`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "create-token", name: "sneaky", scopes: "metrics:read" }),
    });
    expect(response.status).toBe(403);
    const rows = await app.control.sql`select count(*)::int as n from api_tokens where name = 'sneaky'`;
    expect(rows[0].n).toBe(0);
  });

  it("lets an admin create a token, shows it once, and audits it", async () => {
    const cookie = await app.login("admin");
    const response = await fetch(`${app.baseUrl}/settings?_data=routes%2Fsettings._index`, {
      method: "POST",
      headers: { Cookie: cookie, Origin: app.baseUrl },
      body: new URLSearchParams([
        ["intent", "create-token"],
        ["name", "app-servers"],
        ["scopes", "assignments:read"],
      ]),
    });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.shownOnce.secret).toMatch(/^cut_/);
    const [token] = await app.control.sql`select token_hash, scopes from api_tokens where name = 'app-servers'`;
    expect(token.token_hash).not.toContain(body.shownOnce.secret);
    expect(token.scopes).toEqual(["assignments:read"]);
    const [audit] = await app.control.sql`select actor_label, action from audit_log where entity_type = 'api_token' order by id desc limit 1`;
    expect(audit).toMatchObject({ actor_label: "admin@demo.local", action: "api_token.create" });
  });

  it("rate-limits repeated failed logins for one email from one address, whatever X-Forwarded-For says without a trusted proxy", async () => {
    // Without CUTOVER_TRUST_PROXY the server counts the socket's address, so a client cannot pick a fresh one.
    const signIn = (password: string, forwardedFor: string) =>
      fetch(`${app.baseUrl}/login`, {
        method: "POST",
        headers: { Origin: app.baseUrl, "X-Forwarded-For": forwardedFor },
        body: new URLSearchParams({ email: "engineer@demo.local", password }),
        redirect: "manual",
      });
    for (let i = 0; i < 5; i++) expect((await signIn(`bad-${i}`, `198.51.100.${i}`)).status).toBe(401);
    const response = await signIn("cutover-demo", "198.51.100.99");
    expect(response.status).toBe(429);
  });

  it("logs out by deleting the server-side session", async () => {
    const cookie = await app.login("viewer");
    const out = await fetch(`${app.baseUrl}/logout`, { method: "POST", headers: { Cookie: cookie, Origin: app.baseUrl }, redirect: "manual" });
    expect(out.status).toBe(302);
    const after = await fetch(`${app.baseUrl}/`, { headers: { Cookie: cookie }, redirect: "manual" });
    expect(after.status).toBe(302);
    expect(after.headers.get("location")).toBe("/login");
  });

  it("reports the three connections on /healthz to signed-in callers only", async () => {
    const anonymous = await fetch(`${app.baseUrl}/healthz`);
    expect(anonymous.status).toBe(200);
    expect(await anonymous.json()).toEqual({ ok: true });
    const response = await fetch(`${app.baseUrl}/healthz`, { headers: { Cookie: await app.login("viewer") } });
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ ok: true, control: { up: true }, source: { up: true, engine: "postgresql" }, target: { up: true, engine: "postgresql" } });
    expect(JSON.stringify(body)).not.toContain("postgres://");
  });
});
