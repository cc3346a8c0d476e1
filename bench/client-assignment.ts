/**
 * ns per client.assignment() from the local ruleset (budget: 200 ns), next to evaluate() called directly on the
 * same compiled ruleset in the same run, so the client's own overhead shows as a ratio.
 * The ruleset (20 cohorts with constraints, one holding 100,000 user ids, 1,000 pins) is served by a local
 * node:http stand-in for the control plane and fetched by the client the normal way.
 * Run: npm run bench:client-assignment
 */
import { compileRuleset, evaluate } from "../app/rollout/evaluate";
import { MODES } from "../app/rollout/modes";
import type { CohortRule, Ruleset, UserAttributes } from "../app/rollout/types";
import { createCutoverClient } from "../client/src/index";
import { startFakeControlPlane } from "../client/test-support/fake-control-plane";

const REGIONS = ["us-east", "us-west", "eu", "apac", "latam"];
const COUNTRIES = ["US", "CA", "GB", "DE", "FR", "IN", "NZ", "AU", "BR", "MX"];
const PLANS = ["free", "teacher", "school", "district"];

function rng(seed: number): () => number {
  // mulberry32: a fixed seed keeps the workload identical between runs.
  return () => {
    seed = (seed + 0x6d2b79f5) | 0;
    let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
const random = rng(7);
const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];

const cohorts: CohortRule[] = Array.from({ length: 20 }, (_, i) => {
  const constraints: CohortRule["constraints"] = {};
  if (i % 4 === 0) constraints.regions = [pick(REGIONS)];
  if (i % 4 === 1) constraints.countries = [pick(COUNTRIES), pick(COUNTRIES)];
  if (i % 4 === 2) constraints.plans = [pick(PLANS)];
  if (i % 4 === 3) constraints.schoolIds = Array.from({ length: 200 }, () => `school-${Math.floor(random() * 5000)}`);
  if (i === 19) constraints.userIds = Array.from({ length: 100_000 }, (_, j) => `user-${j * 7}`);
  return {
    id: `c${i}`,
    name: `Cohort ${i}`,
    priority: i,
    mode: MODES[1 + (i % 4)],
    percentBasisPoints: Math.floor(random() * 3000),
    salt: `salt-${i}`,
    constraints,
  };
});
const ruleset: Ruleset = {
  version: 1,
  defaultMode: "source_only",
  emergency: null,
  cohorts,
  pins: Array.from({ length: 1000 }, (_, i) => ({
    userId: `user-${i * 997}`,
    mode: "source_only" as const,
    reason: "support",
    expiresAt: null,
  })),
};

const USERS = 1 << 16;
const ids: string[] = [];
const attributes: UserAttributes[] = [];
for (let i = 0; i < USERS; i++) {
  ids.push(`user-${Math.floor(random() * 30_000_000)}`);
  attributes.push({
    region: pick(REGIONS),
    country: pick(COUNTRIES),
    plan: pick(PLANS),
    schoolId: `school-${Math.floor(random() * 5000)}`,
  });
}

function measure(label: string, run: (n: number) => number): number {
  run(2_000_000); // warm-up: let the JIT settle
  const rounds: number[] = [];
  let sink = 0;
  for (let r = 0; r < 5; r++) {
    const n = 2_000_000;
    const start = process.hrtime.bigint();
    sink += run(n);
    rounds.push(Number(process.hrtime.bigint() - start) / n);
  }
  rounds.sort((a, b) => a - b);
  process.stdout.write(
    `${label}: median ${rounds[2].toFixed(1)} ns/call (best ${rounds[0].toFixed(1)}, worst ${rounds[4].toFixed(
      1
    )})  [sink ${sink % 10}]\n`
  );
  return rounds[2];
}

async function main() {
  const plane = await startFakeControlPlane();
  plane.setRuleset(ruleset);
  const client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });
  await client.ready();
  if (client.status().rulesetVersion !== 1) throw new Error(`ruleset not loaded: ${client.status().lastError}`);

  const compiled = compileRuleset(ruleset);
  process.stdout.write(
    `client.assignment(): 20 cohorts, 1,000 pins, ${USERS} distinct users with attributes, one core\n`
  );
  const direct = measure("evaluate() directly", (n) => {
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const j = i & (USERS - 1);
      sink += evaluate(compiled, ids[j], attributes[j]).bucket;
    }
    return sink;
  });
  const viaClient = measure("client.assignment()", (n) => {
    let sink = 0;
    for (let i = 0; i < n; i++) {
      const j = i & (USERS - 1);
      sink += client.assignment(ids[j], attributes[j]).bucket;
    }
    return sink;
  });
  process.stdout.write(
    `ratio client/direct: ${(viaClient / direct).toFixed(2)}; budget 200 ns/call: ${
      viaClient <= 200 ? "within" : "OVER"
    }\n`
  );
  await client.close(100);
  await plane.close();
}

await main();
