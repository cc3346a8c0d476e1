import { spawn, type ChildProcess } from "node:child_process";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createApiToken, revokeApiToken } from "../../../app/models/api-token.server";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import { setPin } from "../../../app/models/pin.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { waitFor } from "../../support/wait-for";

/**
 * The per-process caches behind the hot API (app/models/ruleset.server.ts, app/models/api-token.server.ts), seen
 * through the API of this process and of a second web process on the same control DB. The waits for the other
 * process are shorter than its fallbacks (re-read after 30 s while notifications work, token re-check after 5 s),
 * so passing them takes the notification.
 */
let app: TestApp;
let child: ChildProcess;
let childUrl: string;

beforeAll(async () => {
  app = await startTestApp();
  child = spawn(process.execPath, ["--import", "tsx", "tests/integration/rollout/web-child.ts"], {
    env: { ...process.env },
    stdio: ["ignore", "pipe", "inherit"],
  });
  childUrl = await new Promise<string>((resolve, reject) => {
    let out = "";
    child.stdout!.on("data", (chunk) => {
      out += chunk;
      if (out.includes("\n")) resolve(out.trim());
    });
    child.on("exit", (code) => reject(new Error(`web child exited ${code}`)));
  });
});

afterAll(async () => {
  if (child && child.exitCode === null) {
    const exited = new Promise((resolve) => child.on("exit", resolve));
    child.kill("SIGTERM");
    await exited;
  }
  await app?.close();
});

const get = (base: string, path: string, token = app.token) => fetch(`${base}${path}`, { headers: { Authorization: `Bearer ${token}` } });
const modeOf = async (base: string, userId: string) => (await (await get(base, `/api/v1/assignments/${userId}`)).json()).mode as string;
const listeners = async () =>
  (await app.control.sql`select count(*)::int as n from pg_stat_activity where application_name = 'cutover-listen' and datname = current_database()`)[0]
    .n as number;

describe("the ruleset cache", () => {
  it("shows a change at once in the changing process and by notification in another", async () => {
    expect(await modeOf(childUrl, "notified-user")).toBe("source_only");
    expect(await modeOf(app.baseUrl, "notified-user")).toBe("source_only");
    await setPin("notified-user", "target_only", "ticket 1", null, SYSTEM_ACTOR);
    expect(await modeOf(app.baseUrl, "notified-user")).toBe("target_only"); // read-your-writes: no wait
    await waitFor(async () => (await modeOf(childUrl, "notified-user")) === "target_only", "the other process to hear of the pin", 5_000);
  });

  it("still learns of changes made while its notification connection was down, and listens again", async () => {
    await waitFor(async () => (await listeners()) === 2, "both processes to listen");
    await app.control.sql`select pg_terminate_backend(pid) from pg_stat_activity where application_name = 'cutover-listen' and datname = current_database()`;
    await setPin("notified-user", "dual_write", "ticket 2", null, SYSTEM_ACTOR);
    await waitFor(async () => (await modeOf(childUrl, "notified-user")) === "dual_write", "the other process to see the change made while deaf");
    await waitFor(async () => (await listeners()) === 2, "both processes to listen again");
    await setPin("notified-user", "shadow_read", "ticket 3", null, SYSTEM_ACTOR);
    await waitFor(async () => (await modeOf(childUrl, "notified-user")) === "shadow_read", "a notification after re-subscribing", 5_000);
  });

  it("drops a pin from the served ruleset when it expires, without a version bump", async () => {
    // Long enough for the other process to serve the pin first on a busy machine, short enough for a test.
    await setPin("expiring-user", "target_only", "ticket 4", new Date(Date.now() + 4_000), SYSTEM_ACTOR);
    const etag = await waitFor(async () => {
      const response = await get(childUrl, "/api/v1/ruleset");
      const pins: { userId: string }[] = (await response.json()).pins;
      return pins.some((p) => p.userId === "expiring-user") && response.headers.get("etag")!;
    }, "the other process to serve the pin");
    const after = await waitFor(async () => {
      const response = await get(childUrl, "/api/v1/ruleset");
      const ruleset = await response.json();
      return ruleset.pins.some((p: { userId: string }) => p.userId === "expiring-user") ? false : { ruleset, etag: response.headers.get("etag") };
    }, "the expired pin to leave the ruleset");
    expect(after.etag).not.toBe(etag);
    expect(after.etag!.split("-")[0]).toBe(etag.split("-")[0]); // same version, new content
  });
});

describe("the API token cache", () => {
  it("refuses a revoked token at once in the revoking process and by notification in another", async () => {
    const token = `reader-${crypto.randomUUID()}`;
    const { id } = await createApiToken({ name: "reader", scopes: ["assignments:read"], createdBy: null, token });
    expect((await get(app.baseUrl, "/api/v1/assignments/u1", token)).status).toBe(200);
    expect((await get(childUrl, "/api/v1/assignments/u1", token)).status).toBe(200);
    await revokeApiToken(id);
    const here = await get(app.baseUrl, "/api/v1/assignments/u1", token);
    expect(here.status).toBe(401);
    expect(here.headers.get("www-authenticate")).toBe("Bearer");
    await waitFor(async () => (await get(childUrl, "/api/v1/assignments/u1", token)).status === 401, "the other process to refuse the revoked token", 4_000);
  });

  it("records last use off the request path", async () => {
    const token = `reader-${crypto.randomUUID()}`;
    const { id } = await createApiToken({ name: "reader 2", scopes: ["assignments:read"], createdBy: null, token });
    expect((await get(childUrl, "/api/v1/ruleset", token)).status).toBe(200);
    await waitFor(async () => (await app.control.sql`select last_used_at from api_tokens where id = ${id}`)[0].last_used_at !== null, "last_used_at");
  });
});
