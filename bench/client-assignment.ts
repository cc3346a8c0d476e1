/**
 * ns per client.assignment() from the local ruleset (budget: 200 ns), next to evaluate() called directly on the
 * same compiled ruleset in the same run, so the client's own overhead shows as a ratio.
 * The ruleset (20 cohorts with constraints, one holding 100,000 user ids, 1,000 pins) is served by a local
 * node:http stand-in for the control plane and fetched by the client the normal way.
 * Run: npm run bench:client-assignment
 */
import { compileRuleset, evaluate } from "../app/rollout/evaluate";
import { USERS, evaluationWorkload } from "./support/evaluation-workload";
import { createCutoverClient } from "../client/src/index";
import { startFakeControlPlane } from "../client/test-support/fake-control-plane";

const { ruleset, ids, attributes } = evaluationWorkload(7);

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
