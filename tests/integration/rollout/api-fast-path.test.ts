import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken } from "../../../app/models/api-token.server";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import { createCohort } from "../../../app/rollout/cohort-change.server";
import { gates } from "../../../app/gates/index.server";
import { setPin } from "../../../app/models/pin.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { startFastPathServers } from "../../support/fast-path-servers";

/**
 * The node-native fast path (app/api-fast-path.server.ts) must answer exactly as the Remix route loaders do.
 * Two servers on the same app and data: one sends everything through Remix (fastApi: false), the other serves
 * only what the fast path takes and answers 599 to anything it declines, so each case also shows which path ran.
 */
let app: TestApp;
let servers: Awaited<ReturnType<typeof startFastPathServers>>;
let remixUrl: string;
let fastOnlyUrl: string;
let metricsToken: string;
let etag: string;

beforeAll(async () => {
  app = await startTestApp();
  gates.length = 0; // setup only: the real gates need health readings
  await createCohort(
    {
      name: "Pilot schools",
      description: "",
      priority: 10,
      mode: "dual_write",
      percentBasisPoints: 2500,
      constraints: { regions: ["eu"] },
      mismatchBudget: null,
      budgetWindowMinutes: 60,
      rampSteps: null,
      rampEveryHours: null,
    },
    { actor: SYSTEM_ACTOR, reason: "test setup", confirmed: false, isAdmin: false },
  );
  await setPin("pinned-user", "target_only", "support ticket 7", null, SYSTEM_ACTOR);
  metricsToken = `metrics-${crypto.randomUUID()}`;
  await createApiToken({ name: "metrics only", scopes: ["metrics:read"], createdBy: null, token: metricsToken });

  servers = await startFastPathServers();
  ({ remixUrl, fastOnlyUrl } = servers);
  etag = (await fetch(`${remixUrl}/api/v1/ruleset`, { headers: { Authorization: `Bearer ${app.token}` } })).headers.get("etag")!;
});

afterAll(async () => {
  await servers?.close();
  await app?.close();
});

// Headers that describe the connection or the framing, not the answer.
const TRANSPORT = new Set(["date", "connection", "keep-alive", "content-length", "transfer-encoding"]);

async function answer(base: string, target: string, token: string | null, headers: Record<string, string> = {}) {
  const response = await fetch(`${base}${target}`, { headers: { ...(token ? { Authorization: `Bearer ${token}` } : {}), ...headers } });
  const kept = [...response.headers].filter(([name]) => !TRANSPORT.has(name));
  return { status: response.status, headers: Object.fromEntries(kept), body: await response.text() };
}

type Case = [label: string, target: string, token: "all" | "metrics" | "unknown" | null, headers?: Record<string, string>];
const cases: Case[] = [
  ["ruleset 200", "/api/v1/ruleset", "all"],
  ["ruleset 304", "/api/v1/ruleset", "all", { "If-None-Match": "ETAG" }],
  ["ruleset 304, weak and listed", "/api/v1/ruleset", "all", { "If-None-Match": `"other", W/ETAG` }],
  ["ruleset 200, stale tag", "/api/v1/ruleset", "all", { "If-None-Match": `"0-stale"` }],
  ["ruleset 401, no token", "/api/v1/ruleset", null],
  ["ruleset 401, unknown token", "/api/v1/ruleset", "unknown"],
  ["ruleset 403, wrong scope", "/api/v1/ruleset", "metrics"],
  ["assignment 200, cohort", "/api/v1/assignments/user-1?region=eu", "all"],
  ["assignment 200, default", "/api/v1/assignments/user-1?region=us&plan=school", "all"],
  ["assignment 200, pin", "/api/v1/assignments/pinned-user", "all"],
  ["assignment 200, escaped id", "/api/v1/assignments/j%C3%BCrgen%20m%2Fx@example.com?country=DE", "all"],
  ["assignment 200, repeated attribute", "/api/v1/assignments/u1?region=us&region=eu", "all"],
  ["assignment 200, malformed escape in the query", "/api/v1/assignments/u1?region=%ZZ&plan=a+b", "all"],
  ["assignment 400, id too long", `/api/v1/assignments/${"x".repeat(257)}`, "all"],
  ["assignment 400, unknown attribute", "/api/v1/assignments/u1?colour=red", "all"],
  ["assignment 400, attribute too long", `/api/v1/assignments/u1?plan=${"p".repeat(257)}`, "all"],
  ["assignment 401, no token", "/api/v1/assignments/u1", null],
  ["assignment 401, unknown token", "/api/v1/assignments/u1", "unknown"],
  ["assignment 403, wrong scope", "/api/v1/assignments/u1", "metrics"],
];

/** The case's request against a server. */
function ask(base: string, [, target, which, headers = {}]: Case) {
  const token = which === "all" ? app.token : which === "metrics" ? metricsToken : which === "unknown" ? "not-a-token" : null;
  return answer(base, target, token, Object.fromEntries(Object.entries(headers).map(([k, v]) => [k, v.replace("ETAG", etag)])));
}

describe("the API fast path", () => {
  it.each(cases)("answers %s exactly as the Remix route does", async (...request) => {
    const viaRemix = await ask(remixUrl, request);
    const viaFastPath = await ask(fastOnlyUrl, request);
    expect(viaFastPath.status).not.toBe(599); // the fast path took it
    expect(viaFastPath).toEqual(viaRemix);
  });

  it("covers every status the API contract names", async () => {
    const statuses = new Set<number>();
    for (const request of cases) statuses.add((await ask(fastOnlyUrl, request)).status);
    expect([...statuses].sort()).toEqual([200, 304, 400, 401, 403]);
  });

  it("leaves URLs the WHATWG parser would rewrite, other methods and other paths to Remix", async () => {
    const declined = ["/api/v1/assignments/%2e%2e", "/api/v1/assignments/a%252Fb", "/api/v1/ruleset/", "/API/v1/ruleset", "/api/v1/assignments"];
    for (const target of declined) expect((await answer(fastOnlyUrl, target, app.token)).status, target).toBe(599);
    const head = await fetch(`${fastOnlyUrl}/api/v1/ruleset`, { method: "HEAD", headers: { Authorization: `Bearer ${app.token}` } });
    expect(head.status).toBe(599);
    // ...and the app answers them through Remix as before.
    const escaped = await answer(app.baseUrl, "/api/v1/assignments/a%252Fb", app.token);
    expect(escaped.status).toBe(200);
  });
});
