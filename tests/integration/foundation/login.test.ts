import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MAX_ATTEMPTS_PER_ADDRESS, MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS, SLOW_AFTER_FAILURES_PER_EMAIL } from "../../../app/models/login-attempt.server";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;

// Behind a trusted proxy (CUTOVER_TRUST_PROXY), so each test picks the client's address with X-Forwarded-For.
beforeAll(async () => {
  app = await startTestApp({ trustProxy: true });
});

afterAll(async () => {
  await app?.close();
});

const signIn = (fields: Record<string, string>, address = "192.0.2.1") =>
  fetch(`${app.baseUrl}/login`, {
    method: "POST",
    headers: { Origin: app.baseUrl, "X-Forwarded-For": address },
    body: new URLSearchParams(fields),
    redirect: "manual",
  });

/** Where a browser goes with this Location: it drops tabs, CR and LF and reads a backslash as a slash. */
const browserTarget = (location: string) => new URL(location.replace(/[\t\r\n]/g, "").replaceAll("\\", "/"), app.baseUrl);

describe("redirect after login", () => {
  // As the login page passes them on: its hidden field holds the decoded redirectTo of its URL.
  const fromLoginUrl = (query: string) => new URLSearchParams(query).get("redirectTo") ?? "";
  const hostile = [
    "/\t/evil.example",
    fromLoginUrl("redirectTo=%2F%09%2Fevil.example"),
    "%2F%09%2Fevil.example",
    "//evil",
    "/\\evil",
    "https://evil",
    "/\r\n/evil.example",
    "/\r\nSet-Cookie: stolen=1",
    "javascript:alert(1)",
    "/.//evil.example",
  ];

  it.each(hostile)("lands on a Cutover path for %j", async (redirectTo) => {
    const response = await signIn({ email: "cto@demo.local", password: "cutover-demo", redirectTo });
    expect(response.status).toBe(302);
    const location = response.headers.get("location") ?? "";
    expect(browserTarget(location).origin).toBe(app.baseUrl);
    expect(location).toBe("/");
    expect(response.headers.getSetCookie().some((cookie) => cookie.startsWith("stolen="))).toBe(false);
  });

  it("keeps a same-origin path with its query", async () => {
    const response = await signIn({ email: "cto@demo.local", password: "cutover-demo", redirectTo: "/cohorts?x=1" });
    expect(response.headers.get("location")).toBe("/cohorts?x=1");
  });
});

describe("login body", () => {
  it("answers 415 to JSON and plain text, never a 5xx", async () => {
    const bodies = [
      { "Content-Type": "application/json", body: JSON.stringify({ email: "cto@demo.local", password: "cutover-demo" }) },
      { "Content-Type": "text/plain", body: "email=cto@demo.local&password=cutover-demo" },
    ];
    for (const { body, ...headers } of bodies) {
      const response = await fetch(`${app.baseUrl}/login?_data=routes%2Flogin`, {
        method: "POST",
        headers: { Origin: app.baseUrl, ...headers },
        body,
        redirect: "manual",
      });
      expect(response.status).toBe(415);
      expect((await response.json()).error.message).toMatch(/application\/x-www-form-urlencoded/);
    }
    const page = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      headers: { Origin: app.baseUrl, "Content-Type": "application/json" },
      body: "{}",
      redirect: "manual",
    });
    expect(page.status).toBe(415);
    const broken = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      headers: { Origin: app.baseUrl, "Content-Type": "multipart/form-data; boundary=x" },
      body: "not multipart",
      redirect: "manual",
    });
    expect(broken.status).toBe(400);
  });
});

describe("login limits", () => {
  const failuresRecorded = async (email: string) => (await app.control.sql`select count(*)::int as n from login_attempts where email = ${email}`)[0].n;

  it("checks at most the limit of 200 parallel wrong passwords, and the owner still signs in from elsewhere", async () => {
    const email = "engineer@demo.local";
    const attacker = "203.0.113.10";
    const answers = await Promise.all(Array.from({ length: 200 }, (_, i) => signIn({ email, password: `guess-${i}` }, attacker)));
    const statuses = answers.map((response) => response.status);
    expect(statuses.filter((status) => status === 401)).toHaveLength(MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS);
    expect(statuses.filter((status) => status === 429)).toHaveLength(200 - MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS);
    // Only the checked passwords are recorded as failures: the others were refused before scrypt ran.
    expect(await failuresRecorded(email)).toBe(MAX_ATTEMPTS_PER_EMAIL_FROM_ADDRESS);

    expect((await signIn({ email, password: "cutover-demo" }, attacker)).status).toBe(429);
    // A client-written hop before the proxy's own does not make a new address.
    expect((await signIn({ email, password: "cutover-demo" }, `198.51.100.1, ${attacker}`)).status).toBe(429);
    expect((await signIn({ email, password: "cutover-demo" }, "203.0.113.20")).status).toBe(302);
  });

  it("limits one address across emails, IPv6 by its /64", async () => {
    const address = "2001:db8:aa:1::1";
    for (let i = 0; i < MAX_ATTEMPTS_PER_ADDRESS; i++) {
      expect((await signIn({ email: `nobody-${i}@demo.local`, password: "x" }, `2001:db8:aa:1::${i.toString(16)}`)).status).toBe(401);
    }
    expect((await signIn({ email: "admin@demo.local", password: "cutover-demo" }, address)).status).toBe(429);
    expect((await signIn({ email: "admin@demo.local", password: "cutover-demo" }, "2001:db8:aa:2::1")).status).toBe(302);
  });

  it("only slows an email guessed from many addresses: its owner still signs in", async () => {
    const email = "support@demo.local";
    for (let i = 0; i <= SLOW_AFTER_FAILURES_PER_EMAIL; i++) expect((await signIn({ email, password: "x" }, `198.51.100.${i}`)).status).toBe(401);
    const started = performance.now();
    const owner = await signIn({ email, password: "cutover-demo" }, "192.0.2.77");
    expect(owner.status).toBe(302);
    // Eleven failures: the delay has begun (500 ms), and the owner is in regardless.
    expect(performance.now() - started).toBeGreaterThanOrEqual(450);
  });
});
