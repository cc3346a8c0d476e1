/**
 * In-process evaluation speed: ns per evaluate() with 20 cohorts carrying constraints (budget: 200 ns on one core).
 * Run: npm run bench:rollout-evaluate
 */
import { compileRuleset, evaluate } from "../app/rollout/evaluate";
import type { UserAttributes } from "../app/rollout/types";
import { USERS, evaluationWorkload } from "./support/evaluation-workload";

const { cohorts, ruleset, ids, attributes } = evaluationWorkload(42);

function measure(label: string, compiled: ReturnType<typeof compileRuleset>, attrs: (i: number) => UserAttributes) {
  const now = Date.now();
  let sink = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const j = i & (USERS - 1);
      sink += evaluate(compiled, ids[j], attrs(j), now).bucket;
    }
  };
  run(500_000); // warm-up: let the JIT settle
  // CPU time, not wall time: the machine is shared, and time spent descheduled is not the evaluation's cost.
  const rounds: { cpu: number; wall: number }[] = [];
  for (let r = 0; r < 5; r++) {
    const n = 500_000;
    const cpu = process.cpuUsage();
    const start = process.hrtime.bigint();
    run(n);
    const wall = Number(process.hrtime.bigint() - start) / n;
    const used = process.cpuUsage(cpu);
    rounds.push({ cpu: ((used.user + used.system) * 1000) / n, wall });
  }
  rounds.sort((a, b) => a.cpu - b.cpu);
  console.log(
    `${label}: median ${rounds[2].cpu.toFixed(1)} ns/eval CPU (best ${rounds[0].cpu.toFixed(1)}, worst ${rounds[4].cpu.toFixed(1)}; wall median ${rounds[2].wall.toFixed(1)})  [sink ${sink % 10}]`,
  );
  return rounds[2].cpu;
}

/** Same-run baseline: a one-flag lookup (Map.get + a result object), the shape of the simplest SDK evaluation. */
function measureBaseline(): number {
  const flags = new Map([["use-target", { enabled: true, variant: "on" }]]);
  let sink = 0;
  const run = (n: number) => {
    for (let i = 0; i < n; i++) {
      const flag = flags.get("use-target");
      const result = { userId: ids[i & (USERS - 1)], enabled: flag !== undefined && flag.enabled, variant: flag?.variant };
      sink += result.enabled ? 1 : 0;
    }
  };
  run(500_000);
  const cpu = process.cpuUsage();
  run(2_000_000);
  const used = process.cpuUsage(cpu);
  if (sink < 0) console.log(sink);
  return ((used.user + used.system) * 1000) / 2_000_000;
}

const compiled = compileRuleset(ruleset);
console.log(`evaluate(): 20 cohorts with constraints (one with 100,000 user ids), 1,000 pins, ${USERS} distinct users, one core`);
const typical = measure("typical users (random attributes)", compiled, (j) => attributes[j]);
// Every cohort's constraints match and no percentage covers the user: 20 hashes, the slowest path there is.
const worstCohorts = cohorts.map((c) => ({ ...c, percentBasisPoints: 1, constraints: {} }));
const worst = measure("worst case (all 20 cohorts match, none covers)", compileRuleset({ ...ruleset, cohorts: worstCohorts }), (j) => attributes[j]);
const baseline = measureBaseline();
console.log(
  `baseline one-flag lookup: ${baseline.toFixed(1)} ns CPU; ratio typical/baseline ${(typical / baseline).toFixed(1)}x, worst/baseline ${(worst / baseline).toFixed(1)}x`,
);
console.log(`budget 200 ns/eval: typical ${typical <= 200 ? "within" : "OVER"}, worst case ${worst <= 200 ? "within" : "OVER"}`);
