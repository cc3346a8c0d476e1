import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { MODES } from "../../../app/rollout/modes";
import type { UserAttributes } from "../../../app/rollout/types";
import { createCutoverClient, type CutoverClient } from "../../../client/src/index";
import { startTestApp, type TestApp } from "../../support/app-server";
import { startRelay, type Relay } from "./relay";

/**
 * Local evaluation in the client agrees with the server's answer (POST /api/v1/assignments) for 100,000 users,
 * with a ruleset that exercises every branch: constrained cohorts at odd percentages sharing and not sharing
 * salts, explicit user ids, pins (one expired), and the default.
 */
const USERS = 100_000;
const REGIONS = ["us-east", "eu", "apac"];
const PLANS = ["free", "teacher", "school"];

function attributesFor(i: number): UserAttributes {
  return {
    region: REGIONS[i % 3],
    country: i % 5 === 0 ? "NZ" : "US",
    plan: PLANS[(i >> 2) % 3],
    schoolId: i % 7 === 0 ? `school-${i % 50}` : undefined,
  };
}

describe("client assignments agree with the server's", () => {
  let app: TestApp;
  let client: CutoverClient;

  beforeAll(async () => {
    app = await startTestApp({
      async prepare({ control }) {
        const sql = control.sql;
        await sql`insert into rollout_state (id, version, default_mode) values (1, 7, 'source_only')
          on conflict (id) do update set version = 7, default_mode = 'source_only'`;
        const cohorts = [
          ["EU schools", 1, "shadow_read", 2_537, "eu-salt", { regions: ["eu"], plans: ["school", "teacher"] }],
          ["NZ", 2, "target_primary", 5_000, "eu-salt", { countries: ["NZ"] }],
          ["Pilot schools", 3, "target_only", 10_000, "pilot", { schoolIds: ["school-7", "school-14", "school-21"] }],
          ["Named", 4, "dual_write", 10_000, "named", { userIds: ["u-1", "u-2", "u-3", "u-99999"] }],
          ["Everyone else", 5, "dual_write", 1_234, "rest", {}],
        ] as const;
        for (const [name, priority, mode, bp, salt, constraints] of cohorts) {
          await sql`insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
            values (${name}, ${priority}, ${mode}, ${bp}, ${salt}, ${sql.json(constraints)})`;
        }
        await sql`insert into pins (user_id, mode, reason, expires_at, created_by) values
          ('u-10', 'target_only', 'support case', null, 'test'),
          ('u-11', 'source_only', 'expired pin', now() - interval '1 day', 'test')`;
      },
    });
    client = createCutoverClient({ url: app.baseUrl, token: app.token, pollIntervalMs: 60_000 });
    await client.ready();
  }, 300_000);
  afterAll(async () => {
    await client?.close(100);
    await app?.close();
  });

  it("loads the served ruleset", () => {
    expect(client.status()).toMatchObject({ rulesetVersion: 7, origin: "server", lastError: null });
  });

  it("gives the same mode, cohort, bucket, reason and version as the server for 100,000 users", async () => {
    const seenModes = new Set<string>();
    const seenReasons = new Set<string>();
    let compared = 0;
    for (let from = 0; from < USERS; from += 10_000) {
      const users = Array.from({ length: 10_000 }, (_, k) => ({
        id: `u-${from + k}`,
        attributes: attributesFor(from + k),
      }));
      const response = await fetch(`${app.baseUrl}/api/v1/assignments`, {
        method: "POST",
        headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
        body: JSON.stringify({ users }),
      });
      expect(response.status).toBe(200);
      const body = (await response.json()) as { assignments?: unknown[] } | unknown[];
      const served = (Array.isArray(body) ? body : body.assignments) as {
        userId: string;
        mode: string;
        cohort: { id: string } | null;
        bucket: number;
        reason: string;
        explanation: string;
        rulesetVersion: number;
      }[];
      expect(served).toHaveLength(users.length);
      for (let k = 0; k < users.length; k++) {
        const local = client.assignment(users[k].id, users[k].attributes);
        const remote = served[k];
        if (
          remote.userId !== local.userId ||
          remote.mode !== local.mode ||
          (remote.cohort?.id ?? null) !== (local.cohort?.id ?? null) ||
          remote.bucket !== local.bucket ||
          remote.reason !== local.reason ||
          remote.explanation !== local.explanation ||
          remote.rulesetVersion !== local.rulesetVersion
        ) {
          expect({ user: users[k], remote }).toEqual({ user: users[k], remote: local });
        }
        seenModes.add(local.mode);
        seenReasons.add(local.reason);
        compared++;
      }
    }
    expect(compared).toBe(USERS);
    // The workload really covers the ladder and every reason but the emergency switch.
    expect([...seenModes].sort()).toEqual([...MODES].sort());
    expect([...seenReasons].sort()).toEqual(["cohort", "default", "pin"]);
  });

  it("fails static against the real control plane: an outage and a restart during it change no assignment", async () => {
    const relay: Relay = await startRelay(app.baseUrl);
    const dir = await mkdtemp(path.join(tmpdir(), "cutover-client-"));
    const rulesetFile = path.join(dir, "ruleset.json");
    const sample = Array.from({ length: 5_000 }, (_, i) => ({ id: `u-${i * 19}`, attributes: attributesFor(i * 19) }));
    const modes = (c: CutoverClient) => sample.map((u) => c.assignment(u.id, u.attributes).mode).join();
    const first = createCutoverClient({ url: relay.url, token: app.token, pollIntervalMs: 60_000, rulesetFile });
    let restarted: CutoverClient | undefined;
    try {
      await first.ready();
      expect(first.status()).toMatchObject({ rulesetVersion: 7, origin: "server" });
      const before = modes(first);
      expect(before).toBe(modes(client));

      await relay.stop();
      expect(await first.refresh()).toBe(false);
      expect(modes(first)).toBe(before);
      await first.close();

      // A process restarted while the control plane is still down starts from the persisted ruleset.
      restarted = createCutoverClient({ url: relay.url, token: app.token, pollIntervalMs: 60_000, rulesetFile });
      await restarted.ready();
      expect(restarted.status()).toMatchObject({ rulesetVersion: 7, origin: "file", stale: true });
      expect(modes(restarted)).toBe(before);

      await relay.start();
      expect(await restarted.refresh()).toBe(true);
      // The persisted ETag still matches the server's: the first poll after the outage is a 304.
      expect(relay.forwarded.at(-1)?.status).toBe(304);
      expect(restarted.status()).toMatchObject({ rulesetVersion: 7, stale: false, lastError: null });
    } finally {
      await first.close(100);
      await restarted?.close(100);
      await relay.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
