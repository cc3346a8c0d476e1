import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../../app/models/api-token.server";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import type { CohortInput } from "../../../app/models/cohort.server";
import { createCohort } from "../../../app/rollout/cohort-change.server";
import { gates } from "../../../app/gates/index.server";
import { setPin } from "../../../app/models/pin.server";
import { bucketOf } from "../../../app/rollout/bucket";
import type { Ruleset } from "../../../app/rollout/types";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
let metricsToken: string;
let salt: string;

const pilot: CohortInput = {
  name: "Pilot schools",
  description: "",
  priority: 10,
  mode: "dual_write",
  percentBasisPoints: 2500,
  constraints: {},
  mismatchBudget: null,
  budgetWindowMinutes: 60,
  rampSteps: null,
  rampEveryHours: null,
};

beforeAll(async () => {
  app = await startTestApp();
  // The real gates need health readings this test does not produce; gate behaviour has its own test.
  gates.length = 0;
  const cohort = await createCohort(pilot, { actor: SYSTEM_ACTOR, reason: "test setup", confirmed: false, isAdmin: false });
  salt = cohort.salt;
  await setPin("pinned-user", "source_only", "support ticket 42", null, SYSTEM_ACTOR);
  metricsToken = `metrics-${crypto.randomUUID()}`;
  await createApiToken({ name: "metrics only", scopes: ["metrics:read"], createdBy: null, token: metricsToken });
});

afterAll(async () => {
  await app?.close();
});

const get = (path: string, token: string | null = app.token, headers: Record<string, string> = {}) =>
  fetch(`${app.baseUrl}${path}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
const post = (body: string, token: string | null = app.token) =>
  fetch(`${app.baseUrl}/api/v1/assignments`, {
    method: "POST",
    body,
    headers: { "Content-Type": "application/json", ...(token ? { Authorization: `Bearer ${token}` } : {}) },
  });

function userInBucket(bucket: number) {
  for (let i = 0; ; i++) if (bucketOf(`user-${i}`, salt) === bucket) return `user-${i}`;
}

describe("GET /api/v1/assignments/:userId", () => {
  it("answers the mode, cohort, bucket, reason and ruleset version", async () => {
    const inside = userInBucket(1500);
    const response = await get(`/api/v1/assignments/${inside}?region=eu`);
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body).toMatchObject({ userId: inside, mode: "dual_write", cohort: { name: "Pilot schools" }, bucket: 1500, reason: "cohort", rulesetVersion: 3 });
    const outside = await (await get(`/api/v1/assignments/${userInBucket(2500)}`)).json();
    expect(outside).toMatchObject({ mode: "source_only", cohort: null, reason: "default" });
    const pinned = await (await get(`/api/v1/assignments/pinned-user`)).json();
    expect(pinned).toMatchObject({ mode: "source_only", reason: "pin" });
  });

  it("rejects an over-long id and unknown attributes with 400 and a JSON error", async () => {
    const long = await get(`/api/v1/assignments/${"x".repeat(257)}`);
    expect(long.status).toBe(400);
    expect((await long.json()).error.message).toBe("user id must be at most 256 characters");
    const attr = await get(`/api/v1/assignments/u1?colour=red`);
    expect(attr.status).toBe(400);
    expect((await attr.json()).error.message).toMatch(/attributes/);
  });

  it("answers 401 without a token or with an unknown one, 403 without the scope", async () => {
    const none = await get(`/api/v1/assignments/u1`, null);
    expect(none.status).toBe(401);
    expect((await none.json()).error.status).toBe(401);
    expect((await get(`/api/v1/assignments/u1`, "not-a-token")).status).toBe(401);
    const wrongScope = await get(`/api/v1/assignments/u1`, metricsToken);
    expect(wrongScope.status).toBe(403);
    expect((await wrongScope.json()).error.message).toMatch(/assignments:read/);
  });
});

describe("POST /api/v1/assignments", () => {
  it("assigns a batch with one ruleset version", async () => {
    const users = [{ id: userInBucket(10) }, { id: userInBucket(9000), attributes: { plan: "school" } }];
    const response = await post(JSON.stringify({ users }));
    expect(response.status).toBe(200);
    const body = await response.json();
    expect(body.assignments.map((a: { mode: string }) => a.mode)).toEqual(["dual_write", "source_only"]);
    expect(body.rulesetVersion).toBe(3);
  });

  it("rejects bad JSON, empty ids and more than 10,000 users with 400", async () => {
    const badJson = await post("{ users: ");
    expect(badJson.status).toBe(400);
    expect((await badJson.json()).error.message).toMatch(/not valid JSON/);
    const empty = await post(JSON.stringify({ users: [{ id: "" }] }));
    expect(empty.status).toBe(400);
    expect((await empty.json()).error.message).toBe("Bad request: users.0.id: user id must not be empty");
    const tooMany = await post(JSON.stringify({ users: Array.from({ length: 10_001 }, (_, i) => ({ id: `u${i}` })) }));
    expect(tooMany.status).toBe(400);
    expect((await tooMany.json()).error.message).toMatch(/at most 10000/);
    const full = await post(JSON.stringify({ users: Array.from({ length: 10_000 }, (_, i) => ({ id: `u${i}` })) }));
    expect(full.status).toBe(200);
    expect((await full.json()).assignments).toHaveLength(10_000);
  });

  it("answers 401 and 403 like the GET", async () => {
    expect((await post(JSON.stringify({ users: [{ id: "a" }] }), null)).status).toBe(401);
    expect((await post(JSON.stringify({ users: [{ id: "a" }] }), metricsToken)).status).toBe(403);
  });
});

describe("GET /api/v1/ruleset", () => {
  it("serves the Ruleset with an ETag and answers 304 to If-None-Match", async () => {
    const response = await get("/api/v1/ruleset");
    expect(response.status).toBe(200);
    const etag = response.headers.get("etag");
    expect(etag).toMatch(/^"3-/);
    const ruleset: Ruleset = await response.json();
    expect(Object.keys(ruleset).sort()).toEqual(["cohorts", "defaultMode", "emergency", "pins", "version"]);
    expect(ruleset.cohorts[0]).toEqual({
      id: expect.any(String),
      name: "Pilot schools",
      priority: 10,
      mode: "dual_write",
      percentBasisPoints: 2500,
      salt,
      constraints: {},
    });
    expect(ruleset.pins).toEqual([{ userId: "pinned-user", mode: "source_only", reason: "support ticket 42", expiresAt: null }]);
    const again = await get("/api/v1/ruleset", app.token, { "If-None-Match": etag! });
    expect(again.status).toBe(304);
    expect(again.headers.get("etag")).toBe(etag);
    expect((await get("/api/v1/ruleset", null)).status).toBe(401);
    expect((await get("/api/v1/ruleset", metricsToken)).status).toBe(403);
  });
});
