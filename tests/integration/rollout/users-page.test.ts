import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { gates } from "../../../app/gates/index.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSetupCohort } from "../../support/cohorts";

let app: TestApp;
const DATA = "_data=routes%2Fusers._index";

beforeAll(async () => {
  app = await startTestApp({
    // The demo's users table shape, with emails (one with a quote, one in mixed case).
    prepare: async ({ source }) => {
      await source.sql`create table users (id text primary key, email text unique, region text, country char(2), school_id integer, plan text)`;
      await source.sql`insert into users select 'user-' || g, 'learner' || g || '@school.example', case when g < 50 then 'eu' else 'us' end, 'DE', g % 5, 'pro' from generate_series(0, 199) g`;
      await source.sql`insert into users values ('ada', 'Ada.Lovelace@Example.org', 'eu', 'GB', 1, 'pro'), ('quote', 'o''neil@school.example', 'us', 'US', 2, 'free')`;
    },
  });
  gates.length = 0;
  await createSetupCohort({ name: "EU", mode: "dual_write", percentBasisPoints: 10_000, constraints: { regions: ["eu"] } });
});

afterAll(async () => {
  await app?.close();
});

const lookup = async (cookie: string, query: string) => {
  const response = await fetch(`${app.baseUrl}/users?${query}&${DATA}`, { headers: { Cookie: cookie } });
  return { status: response.status, body: await response.json() };
};

describe("the Users page", () => {
  it("lets a viewer look a user up, read-only: no pin form, and a pin post answers 403", async () => {
    const viewer = await app.login("viewer");
    const { status, body } = await lookup(viewer, "userId=user-1");
    expect(status).toBe(200);
    expect(body).toMatchObject({ canPin: false, userId: "user-1", result: { knownInSource: true, assignment: { mode: "dual_write" } } });
    const post = await fetch(`${app.baseUrl}/users?${DATA}`, {
      method: "POST",
      headers: { Cookie: viewer, Origin: app.baseUrl },
      body: new URLSearchParams({ intent: "pin", userId: "user-1", mode: "target_only", reason: "x" }),
    });
    expect(post.status).toBe(403);
    const [pins] = await app.control.sql`select count(*)::int as n from pins`;
    expect(pins.n).toBe(0);
    const html = await (await fetch(`${app.baseUrl}/users?userId=user-1`, { headers: { Cookie: viewer } })).text();
    expect(html).toContain("Read-only: engineers pin and unpin.");
  });

  it("finds a user by email, exactly but ignoring case, with the column quoted", async () => {
    const support = await app.login("support");
    expect((await lookup(support, "q=ada.lovelace%40example.ORG")).body).toMatchObject({
      userId: "ada",
      email: "ada.lovelace@example.ORG",
      result: { knownInSource: true },
    });
    expect((await lookup(support, `q=${encodeURIComponent("O'Neil@school.example")}`)).body).toMatchObject({ userId: "quote" });
    // Exact: a part of an address, or a LIKE pattern, finds nobody.
    for (const partial of ["lovelace@example.org", "%@school.example", "learner1_@school.example"]) {
      const { body } = await lookup(support, `q=${encodeURIComponent(partial)}`);
      expect(body).toMatchObject({ userId: null, emailMatches: [], result: null });
    }
    const html = await (await fetch(`${app.baseUrl}/users?q=nobody%40school.example`, { headers: { Cookie: support } })).text();
    expect(html).toContain("No user has this email.");
  });

  it("says first and plainly that an unknown id is unknown, with what the API would answer", async () => {
    const support = await app.login("support");
    const { body } = await lookup(support, "userId=no-such-user");
    expect(body.result).toMatchObject({ knownInSource: false, sourceError: null, apiAssignment: { mode: "source_only", reason: "default" } });
    const html = await (await fetch(`${app.baseUrl}/users?userId=no-such-user`, { headers: { Cookie: support } })).text();
    const banner = html.indexOf("Unknown user.");
    expect(banner).toBeGreaterThan(0);
    // First: before the assignment's details.
    expect(banner).toBeLessThan(html.indexOf("Every cohort"));
    expect(html).toMatch(/The API would still answer for this id.*Source only/s);
  });

  it("shows the API's answer beside the page's, and why they differ, and the API agrees", async () => {
    const support = await app.login("support");
    const { body } = await lookup(support, "userId=user-1");
    expect(body.result.assignment.mode).toBe("dual_write");
    expect(body.result.apiAssignment.mode).toBe("source_only");
    expect(body.result.answersDiffer).toMatch(
      /this page reads them from the source \(region eu, country DE, school id 1, plan pro\)\. 'EU' constrains on them/,
    );
    const api = await (await fetch(`${app.baseUrl}/api/v1/assignments/user-1`, { headers: { Authorization: `Bearer ${app.token}` } })).json();
    expect(api.mode).toBe(body.result.apiAssignment.mode);
    const withAttributes = await (
      await fetch(`${app.baseUrl}/api/v1/assignments/user-1?region=eu`, { headers: { Authorization: `Bearer ${app.token}` } })
    ).json();
    expect(withAttributes.mode).toBe(body.result.assignment.mode);
    // A user outside every constrained cohort gets one answer from both.
    expect((await lookup(support, "userId=user-120")).body.result.answersDiffer).toBeNull();
  });

  it("refuses an over-long email with 400 and a message", async () => {
    const support = await app.login("support");
    const { status, body } = await lookup(support, `q=${"a".repeat(330)}%40x.io`);
    expect(status).toBe(400);
    expect(body.problem).toMatch(/at most 320/);
  });
});
