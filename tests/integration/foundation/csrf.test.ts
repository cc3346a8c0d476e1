import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gates } from "../../../app/gates/index.server";
import type { Cohort } from "../../../app/models/cohort.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSetupCohort } from "../../support/cohorts";

let app: TestApp;
let cohort: Cohort;
let engineer: string;

beforeAll(async () => {
  app = await startTestApp();
  // Setup only: in this process the cohort is created without gates; the app under test keeps its real ones.
  gates.length = 0;
  cohort = await createSetupCohort({ name: "Csrf", mode: "dual_write", percentBasisPoints: 2500 });
  engineer = await app.login("engineer");
});

afterAll(async () => {
  await app?.close();
});

const DATA = `?_data=${encodeURIComponent("routes/cohorts.$cohortId")}`;
/** A rollback from 25% to 10%: allowed for an engineer, past every gate. */
const rollback = (intent: "save" | "preview") =>
  new URLSearchParams({
    intent,
    name: "Csrf",
    priority: "1",
    mode: "dual_write",
    percent: "10",
    budgetWindowMinutes: "60",
    version: String(cohort.version),
    reason: "csrf test",
    confirmed: "on",
  });
const postCohort = (headers: Record<string, string>, query = "", method = "POST", intent: "save" | "preview" = "save") =>
  fetch(`${app.baseUrl}/cohorts/${cohort.id}${query}`, { method, headers: { Cookie: engineer, ...headers }, body: rollback(intent), redirect: "manual" });
const percent = async () => (await app.control.sql`select percent_basis_points from cohorts where id = ${cohort.id}`)[0].percent_basis_points;

describe("cross-site requests", () => {
  it("refuses a form post from another origin with 403, for the page URL and for ?_data= alike", async () => {
    const page = await postCohort({ Origin: "http://evil.example" });
    expect(page.status).toBe(403);
    expect(page.headers.get("content-type")).toMatch(/^text\/plain/);
    expect(await page.text()).toMatch(/must be sent from a Cutover page.*evil\.example/);

    const data = await postCohort({ Origin: "http://evil.example" }, DATA);
    expect(data.status).toBe(403);
    expect(await data.json()).toEqual({ error: { status: 403, message: expect.stringContaining("evil.example") } });
    expect(await percent()).toBe(2500);
  });

  it("refuses a same-site page on another port, an opaque origin, a post with neither Origin nor Referer, and every mutating method", async () => {
    const otherPort = new URL(app.baseUrl);
    otherPort.port = String(Number(otherPort.port) + 1);
    const refused: Record<string, string>[] = [{ Origin: otherPort.origin }, { Origin: "null" }, {}, { Referer: "http://evil.example/form" }];
    for (const headers of refused) {
      expect((await postCohort(headers, DATA)).status).toBe(403);
    }
    for (const method of ["PUT", "PATCH", "DELETE"]) expect((await postCohort({ Origin: "http://evil.example" }, DATA, method)).status).toBe(403);
    // Signing in and out are changes too: a foreign page must not log someone in to its own account (login CSRF).
    const login = await fetch(`${app.baseUrl}/login`, {
      method: "POST",
      headers: { Origin: "http://evil.example" },
      body: new URLSearchParams({ email: "cto@demo.local", password: "cutover-demo" }),
      redirect: "manual",
    });
    expect(login.status).toBe(403);
    expect(login.headers.get("set-cookie")).toBeNull();
    expect(await percent()).toBe(2500);
  });

  it("lets a post from Cutover's own origin through, by Origin or by Referer", async () => {
    const byReferer = await postCohort({ Referer: `${app.baseUrl}/cohorts/${cohort.id}` }, DATA, "POST", "preview");
    expect(byReferer.status).toBe(200);
    expect(await byReferer.json()).toMatchObject({ saved: false });
    const saved = await postCohort({ Origin: app.baseUrl }, DATA);
    expect(saved.status).toBe(200);
    expect(await saved.json()).toMatchObject({ saved: true });
    expect(await percent()).toBe(1000);
  });

  it("leaves the bearer API alone, and never takes a session cookie for it", async () => {
    const body = JSON.stringify({ mismatches: [], comparisons: [] });
    const api = await fetch(`${app.baseUrl}/api/v1/mismatches`, {
      method: "POST",
      headers: { Authorization: `Bearer ${app.token}`, "Content-Type": "application/json" },
      body,
    });
    expect(api.status).toBe(202);
    const job = JSON.stringify({ table: "public.nothing_here", mode: "verify" });
    const byCookie = await fetch(`${app.baseUrl}/api/v1/reconciliations`, {
      method: "POST",
      headers: { Cookie: await app.login("admin"), "Content-Type": "application/json" },
      body: job,
    });
    expect(byCookie.status).toBe(401);
  });
});
