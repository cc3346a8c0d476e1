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
  process.stdout.write(`${label}: median ${rounds[2].toFixed(1)} ns/call (best ${rounds[0].toFixed(1)}, worst ${rounds[4].toFixed(1)})  [sink ${sink % 10}]\n`);
  return rounds[2];
}

async function main() {
  const plane = await startFakeControlPlane();
  plane.setRuleset(ruleset);
  const client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });
  await client.ready();
  if (client.status().rulesetVersion !== 1) throw new Error(`ruleset not loaded: ${client.status().lastError}`);

  const compiled = compileRuleset(ruleset);
  process.stdout.write(`client.assignment(): 20 cohorts, 1,000 pins, ${USERS} distinct users with attributes, one core\n`);
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
  process.stdout.write(`ratio client/direct: ${(viaClient / direct).toFixed(2)}; budget 200 ns/call: ${viaClient <= 200 ? "within" : "OVER"}\n`);
  await mirroredWriteOverhead(plane.url, plane.token);
  await client.close(100);
  await plane.close();
}

/**
 * The latency timing's cost per mirrored write: client.write() for a dual_write user, with timing on and off, in
 * the same run, on database calls that return at once (the worst case: a real write takes a millisecond or
 * more, so the few hundred nanoseconds measured here are a far smaller share of it). Target: at most 5% more.
 */
async function mirroredWriteOverhead(url: string, token: string) {
  const [timed, untimed] = [undefined, false as const].map((latency) => createCutoverClient({ url, token, pollIntervalMs: 60_000, latency }));
  await Promise.all([timed.ready(), untimed.ready()]);
  const calls = { source: () => 1, target: () => 1 };
  const options: Parameters<typeof timed.write>[2] = { table: "annotations", operation: "insert annotation", primaryKey: 1 };
  // A user whose mode mirrors writes: the write runs on both sides, so both are timed.
  const j = ids.findIndex((id, k) => ["dual_write", "shadow_read", "target_primary"].includes(timed.assignment(id, attributes[k]).mode));
  if (j < 0) throw new Error("no user with a mirrored mode in the workload");
  const user = ids[j];
  const mode = timed.assignment(user, attributes[j]).mode;
  Object.assign(options, { attributes: attributes[j] });
  const writer = (c: typeof timed) => async (n: number) => {
    let sink = 0;
    for (let i = 0; i < n; i++) sink += await c.write(user, calls, options);
    return sink;
  };
  const rounds = async (label: string, run: (n: number) => Promise<number>) => {
    await run(200_000);
    const times: number[] = [];
    for (let r = 0; r < 5; r++) {
      const start = process.hrtime.bigint();
      await run(200_000);
      times.push(Number(process.hrtime.bigint() - start) / 200_000);
    }
    return times.sort((a, b) => a - b)[2];
  };
  // Interleaved, so a busy moment on the machine falls on both.
  const on: number[] = [];
  const off: number[] = [];
  for (let i = 0; i < 3; i++) {
    off.push(await rounds("off", writer(untimed)));
    on.push(await rounds("on", writer(timed)));
  }
  const [medOn, medOff] = [on.sort((a, b) => a - b)[1], off.sort((a, b) => a - b)[1]];
  process.stdout.write(
    `client.write() of a ${mode} user, both database calls returning at once (${timed.latency?.stats().pending ?? 0} histograms pending):\n` +
      `  timing off: median ${medOff.toFixed(1)} ns/write\n  timing on:  median ${medOn.toFixed(1)} ns/write\n` +
      `  timing costs ${(medOn - medOff).toFixed(1)} ns per mirrored write, ${(((medOn - medOff) / medOff) * 100).toFixed(1)}% more on writes that take no time at all; ` +
      `on a 1 ms write ${(((medOn - medOff) / 1e6) * 100).toFixed(3)}% (target <= 5%)\n`,
  );
  await Promise.all([timed.close(100), untimed.close(100)]);
}

await main();
