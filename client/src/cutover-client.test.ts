import { spawnSync } from "node:child_process";
import { mkdtemp, readFile, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { compileRuleset, evaluate } from "../../app/rollout/evaluate";
import { etagOf, startFakeControlPlane, waitFor, type FakeControlPlane } from "../test-support/fake-control-plane";
import { testRuleset } from "../test-support/rulesets";
import { createCutoverClient, type CutoverClient, type CutoverClientOptions } from "./cutover-client";

describe("createCutoverClient: ruleset polling", () => {
  let plane: FakeControlPlane;
  let dir: string;
  const clients: CutoverClient[] = [];

  function client(options: Partial<CutoverClientOptions> = {}): CutoverClient {
    const c = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000, ...options });
    clients.push(c);
    return c;
  }

  beforeEach(async () => {
    plane = await startFakeControlPlane();
    dir = await mkdtemp(path.join(tmpdir(), "cutover-client-"));
  });
  afterEach(async () => {
    await Promise.all(clients.splice(0).map((c) => c.close(100)));
    await plane.close();
    await rm(dir, { recursive: true, force: true });
  });

  it("fetches the ruleset, then keeps it on 304 (If-None-Match) and swaps on a new version", async () => {
    plane.setRuleset(testRuleset(1));
    const c = client();
    await c.ready();
    expect(c.status()).toMatchObject({ rulesetVersion: 1, origin: "server", stale: false, lastError: null });
    expect(c.assignment("user-dual_write").mode).toBe("dual_write");
    expect(plane.rulesetRequests[0]).toMatchObject({
      ifNoneMatch: null,
      status: 200,
      authorization: "Bearer test-token",
    });

    expect(await c.refresh()).toBe(true);
    expect(plane.rulesetRequests[1]).toMatchObject({ ifNoneMatch: etagOf(testRuleset(1)), status: 304 });
    expect(c.assignment("user-dual_write").mode).toBe("dual_write");

    const changes: number[] = [];
    c.onRulesetChange((r) => changes.push(r.version));
    plane.setRuleset(testRuleset(2, { emergency: { mode: "source_only", reason: "drill", since: "2026-01-01T00:00:00Z" } }));
    expect(await c.refresh()).toBe(true);
    expect(plane.rulesetRequests[2].status).toBe(200);
    expect(changes).toEqual([2]);
    expect(c.assignment("user-dual_write")).toMatchObject({
      mode: "source_only",
      reason: "emergency",
      rulesetVersion: 2,
    });
  });

  it("evaluates with the shared evaluation module (same answer as evaluate() on the same ruleset)", async () => {
    const ruleset = testRuleset(3, {
      cohorts: [
        { id: "a", name: "A", priority: 1, mode: "dual_write", percentBasisPoints: 3_300, salt: "a", constraints: {} },
        {
          id: "b",
          name: "B",
          priority: 2,
          mode: "target_primary",
          percentBasisPoints: 5_000,
          salt: "b",
          constraints: { plans: ["pro"] },
        },
      ],
    });
    plane.setRuleset(ruleset);
    const c = client();
    await c.ready();
    const compiled = compileRuleset(ruleset);
    for (let i = 0; i < 2_000; i++) {
      const attributes = i % 2 ? { plan: "pro" } : undefined;
      expect(c.assignment(`u${i}`, attributes)).toEqual(evaluate(compiled, `u${i}`, attributes));
    }
  });

  it("polls on its own at the configured interval", async () => {
    plane.setRuleset(testRuleset(1));
    const c = client({ pollIntervalMs: 20 });
    await c.ready();
    await waitFor(() => plane.rulesetRequests.length >= 3, 5_000, "timer-driven polls");
    plane.setRuleset(testRuleset(2));
    await waitFor(() => c.status().rulesetVersion === 2, 5_000, "the new version to be picked up");
  });

  it("answers the safe default before any ruleset, and reports it is stale", async () => {
    plane.failRuleset(true);
    const c = client();
    expect(c.assignment("user-target_only")).toMatchObject({
      mode: "source_only",
      rulesetVersion: 0,
      reason: "default",
    });
    await c.ready();
    expect(c.assignment("user-target_only").mode).toBe("source_only");
    expect(c.status()).toMatchObject({ origin: "safe_default", stale: true, consecutiveFailures: 1 });
    expect(c.status().lastError).toMatch(/500/);

    const custom = client({ safeDefaultMode: "dual_write" });
    expect(custom.assignment("anyone").mode).toBe("dual_write");
  });

  it("fails static: an unreachable or failing control plane changes no assignment, and staleness is reported", async () => {
    plane.setRuleset(testRuleset(1));
    const c = client({ staleAfterMs: 200 });
    await c.ready();
    const before = Array.from({ length: 500 }, (_, i) => c.assignment(`u${i}`, { region: i % 3 ? "eu" : "us" }).mode);

    await plane.stop();
    expect(await c.refresh()).toBe(false);
    expect(c.status().lastError).toMatch(/fetch failed|ECONNREFUSED/);
    await plane.start();
    plane.failRuleset(true);
    expect(await c.refresh()).toBe(false);
    expect(c.status()).toMatchObject({ rulesetVersion: 1, origin: "server", consecutiveFailures: 2 });
    await waitFor(() => c.status().stale, 5_000, "staleness");

    const after = Array.from({ length: 500 }, (_, i) => c.assignment(`u${i}`, { region: i % 3 ? "eu" : "us" }).mode);
    expect(after).toEqual(before);
    expect(new Set(after)).toEqual(new Set(["source_only", "shadow_read"]));

    plane.failRuleset(false);
    expect(await c.refresh()).toBe(true);
    expect(c.status()).toMatchObject({ stale: false, lastError: null, consecutiveFailures: 0 });
  });

  it("ignores a response that is not a ruleset", async () => {
    plane.setRuleset(testRuleset(1));
    const c = client();
    await c.ready();
    plane.setRuleset({ version: 2, defaultMode: "warp_speed" } as never);
    expect(await c.refresh()).toBe(false);
    expect(c.status().lastError).toMatch(/not a ruleset/);
    expect(c.status().rulesetVersion).toBe(1);
  });

  it("persists the last good ruleset so a restart during an outage starts from it", async () => {
    const rulesetFile = path.join(dir, "ruleset.json");
    plane.setRuleset(testRuleset(4));
    const first = client({ rulesetFile });
    await first.ready();
    await first.close();
    expect(JSON.parse(await readFile(rulesetFile, "utf8"))).toMatchObject({
      etag: etagOf(testRuleset(4)),
      ruleset: { version: 4 },
    });

    await plane.stop();
    const restarted = client({ rulesetFile });
    // Already before the first poll: the file is read synchronously at start-up.
    expect(restarted.assignment("user-target_primary")).toMatchObject({ mode: "target_primary", rulesetVersion: 4 });
    await restarted.ready();
    expect(restarted.status()).toMatchObject({ rulesetVersion: 4, origin: "file", stale: true });
    expect(restarted.assignment("user-target_primary").mode).toBe("target_primary");

    await plane.start();
    expect(await restarted.refresh()).toBe(true);
    // The persisted ETag goes out with the first poll: the unchanged ruleset costs a 304.
    expect(plane.rulesetRequests.at(-1)).toMatchObject({ ifNoneMatch: etagOf(testRuleset(4)), status: 304 });
  });

  it("ignores a corrupt ruleset file and starts on the safe default", async () => {
    const rulesetFile = path.join(dir, "ruleset.json");
    await import("node:fs/promises").then((fs) => fs.writeFile(rulesetFile, "{ half a ruleset"));
    plane.failRuleset(true);
    const c = client({ rulesetFile });
    expect(c.status()).toMatchObject({ origin: "safe_default", rulesetVersion: 0 });
    expect(c.status().lastError).toMatch(/ignored/);
  });

  it("never keeps the process alive: an unclosed client with pending work lets Node exit", () => {
    const script = path.resolve(__dirname, "../test-support/exits-without-close.ts");
    const child = spawnSync(process.execPath, ["--import", "tsx", script], { encoding: "utf8", timeout: 30_000 });
    expect(child.signal).toBeNull();
    expect(child.status).toBe(0);
    expect(child.stdout.trim()).toBe("source_only");
  });
});
