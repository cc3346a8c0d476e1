import { createServer } from "node:net";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { ensureBuilt } from "../../../scripts/runtime";
import { startFastPathServers } from "../../support/fast-path-servers";

// The application servers' API with the control database down: every answer says so (503 with Retry-After, so the
// client's reporter retries the batch), through Remix and through the fast path alike, and nothing is lost.
let servers: Awaited<ReturnType<typeof startFastPathServers>>;

/** A port on this machine that nothing listens on: bound, then let go. */
async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  return typeof address === "object" && address ? address.port : 0;
}

beforeAll(async () => {
  const url = `postgres://postgres@127.0.0.1:${await closedPort()}/cutover_control`;
  Object.assign(process.env, {
    NODE_ENV: "production",
    CUTOVER_DATABASE_URL: url,
    SOURCE_DATABASE_URL: url,
    TARGET_DATABASE_URL: url,
    SESSION_SECRET: "test-session-secret-0123456789",
  });
  ensureBuilt();
  servers = await startFastPathServers();
});

afterAll(async () => {
  await servers?.close();
});

const REQUESTS: [string, RequestInit][] = [
  [
    "/api/v1/mismatches",
    {
      method: "POST",
      body: JSON.stringify({ mismatches: [{ origin: "shadow_read", kind: "missing_in_target", table: "t", primaryKey: 1 }] }),
      headers: { "Idempotency-Key": "k1" },
    },
  ],
  ["/api/v1/ruleset", {}],
  ["/api/v1/assignments/user-1", {}],
];

describe("the API with the control database down", () => {
  it.each(REQUESTS)("answers %s with 503 and Retry-After, through Remix and the fast path alike", async (path, init) => {
    const answers = [];
    for (const base of [servers.remixUrl, servers.fastOnlyUrl]) {
      const response = await fetch(`${base}${path}`, {
        ...init,
        headers: { Authorization: "Bearer cut_some_token", "Content-Type": "application/json", ...init.headers },
      });
      answers.push({ status: response.status, retryAfter: response.headers.get("retry-after"), body: await response.json() });
    }
    expect(answers[0]).toEqual({
      status: 503,
      retryAfter: "5",
      body: { error: { status: 503, message: "The control database cannot be reached: nothing was written. Retry in a few seconds." } },
    });
    expect(answers[1]).toEqual(answers[0]);
  });
});
