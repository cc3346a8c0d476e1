/**
 * API throughput of the two endpoints application servers hit hardest, served by the app's web server (the
 * node-native fast path, app/api-fast-path.server.ts) on a demo control DB holding the evaluation benchmarks'
 * workload (20 cohorts with constraints, one listing 100,000 user ids; 1,000 pins), loaded by autocannon
 * in a SEPARATE process (50 connections; 2 s warm-up, then 10 s measured):
 * - GET /api/v1/ruleset with a matching If-None-Match (304): target >= 10,000 req/s;
 * - GET /api/v1/assignments/:id: target >= 5,000 req/s with p99 < 10 ms, both at full load (as many requests as
 *   the 50 connections get answered). autocannon's rate limit (-R) sends in bursts once a second, which its
 *   coordinated-omission correction turns into ~1 s latencies, so a p99 "at 5,000 req/s" is not measured.
 * Baselines in the same run and process: a bare node:http server answering the same 304 / the same JSON body,
 * and the same endpoints through Remix (the route loaders), with the ratios. "server CPU/req" is the CPU time
 * of this process (the server) per answered request, steadier than req/s on a shared machine.
 *   npm run bench:rollout-api
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:rollout-api
 */
import { spawn } from "node:child_process";
import { readFileSync } from "node:fs";
import { createServer, type RequestListener } from "node:http";
import { availableParallelism } from "node:os";
import postgres from "postgres";
import { DEMO_TOKEN, seedDemoControl } from "../db/seed/demo-control";
import { ensureBuilt } from "../scripts/runtime";
import { startWebServer } from "../scripts/web-server";
import { benchControlDatabase } from "./support/control-database";
import { evaluationWorkload } from "./support/evaluation-workload";

const CONNECTIONS = 50;
const SECONDS = 10;
const RULESET_TARGET = 10_000;
const ASSIGNMENT_TARGET = 5_000;
const P99_TARGET_MS = 10;

interface Cannon {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  statusCodeStats: Record<string, { count: number }>;
  errors: number;
  timeouts: number;
}

interface Run extends Cannon {
  cpuMicrosPerRequest: number;
}

function autocannon(url: string, headers: string[], seconds: number): Promise<Cannon> {
  const args = ["node_modules/autocannon/autocannon.js", "--json", "-c", String(CONNECTIONS), "-d", String(seconds)];
  for (const header of headers) args.push("-H", header);
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [...args, url], { stdio: ["ignore", "pipe", "ignore"] });
    let out = "";
    child.stdout.on("data", (chunk) => (out += chunk));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve(JSON.parse(out)) : reject(new Error(`autocannon exited ${code}`))));
  });
}

/** A warm-up, then a measured run; checks that every answer had the expected status. */
async function measure(url: string, headers: string[], status: number): Promise<Run> {
  await autocannon(url, headers, 2);
  const cpu = process.cpuUsage();
  const result = await autocannon(url, headers, SECONDS);
  const used = process.cpuUsage(cpu);
  const wrong = Object.entries(result.statusCodeStats).filter(([code]) => Number(code) !== status);
  if (wrong.length > 0 || result.errors > 0) throw new Error(`${url}: unexpected answers ${JSON.stringify(wrong)}, ${result.errors} errors`);
  return { ...result, cpuMicrosPerRequest: (used.user + used.system) / result.requests.total };
}

async function bareServer(listener: RequestListener): Promise<{ url: string; close(): void }> {
  const server = createServer(listener);
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  return {
    url: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    close: () => {
      server.close();
      server.closeAllConnections();
    },
  };
}

const number = (n: number) => Math.round(n).toLocaleString("en");
function line(label: string, run: Run) {
  return `  ${label.padEnd(34)} ${number(run.requests.average).padStart(8)} req/s   p50 ${String(run.latency.p50).padStart(3)} ms   p99 ${String(run.latency.p99).padStart(3)} ms   server CPU ${run.cpuMicrosPerRequest.toFixed(1).padStart(5)} µs/req`;
}
const verdict = (met: boolean) => (met ? "met" : "NOT MET");

/** One endpoint: the fast path, the bare baseline and Remix, the ratios, and each target's verdict. */
function report(title: string, bareAnswer: string, runs: { fast: Run; bare: Run; remix: Run }, targets: string[]) {
  const { fast, bare, remix } = runs;
  console.log(title);
  console.log(line("fast path", fast));
  console.log(line(`baseline: bare node:http ${bareAnswer}`, bare));
  console.log(line("through Remix (route loader)", remix));
  console.log(
    `  ratio fast path / bare: ${(fast.requests.average / bare.requests.average).toFixed(2)} req/s, ` +
      `${(bare.cpuMicrosPerRequest / fast.cpuMicrosPerRequest).toFixed(2)} CPU; fast path / Remix: ${(fast.requests.average / remix.requests.average).toFixed(1)}x req/s`,
  );
  console.log(`  target ${targets.join("; ")}`);
}

async function main() {
  const control = await benchControlDatabase("rollout-api");
  try {
    await seedDemoControl(control.url);
    const sql = postgres(control.url, { max: 1, onnotice: () => {} });
    // The evaluation benchmarks' workload: 20 cohorts with constraints (one listing 100,000 user ids), 1,000 pins.
    const workload = evaluationWorkload().ruleset;
    for (const c of workload.cohorts) {
      await sql`insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
        values (${c.name}, ${c.priority}, ${c.mode}, ${c.percentBasisPoints}, ${c.salt}, ${sql.json(c.constraints as postgres.JSONValue)})`;
    }
    await sql`insert into pins ${sql(workload.pins.map((p) => ({ user_id: p.userId, mode: p.mode, reason: p.reason, created_by: "bench" })))}`;
    await sql`insert into rollout_state (id, version) values (1, 1) on conflict (id) do update set version = 1`;
    await sql.end();
    Object.assign(process.env, { NODE_ENV: "production", CUTOVER_DEMO: "true" });
    ensureBuilt();
    const fast = await startWebServer({ port: 0 });
    const remix = await startWebServer({ port: 0, fastApi: false });

    const auth = `Authorization=Bearer ${DEMO_TOKEN}`;
    const assignmentPath = "/api/v1/assignments/user-12345?region=eu&country=DE&plan=school";
    const first = await fetch(`${fast.url}/api/v1/ruleset`, { headers: { Authorization: `Bearer ${DEMO_TOKEN}` } });
    const etag = first.headers.get("etag")!;
    const notModified = { ETag: etag, "Cache-Control": "no-cache" };
    const assignmentBody = await (await fetch(`${fast.url}${assignmentPath}`, { headers: { Authorization: `Bearer ${DEMO_TOKEN}` } })).text();
    const bare304 = await bareServer((_req, res) => {
      res.writeHead(304, notModified);
      res.end();
    });
    const bareJson = await bareServer((_req, res) => {
      res.writeHead(200, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(assignmentBody) });
      res.end(assignmentBody);
    });

    const rulesetHeaders = [auth, `If-None-Match=${etag}`];
    const ruleset = {
      fast: await measure(`${fast.url}/api/v1/ruleset`, rulesetHeaders, 304),
      bare: await measure(bare304.url, rulesetHeaders, 304),
      remix: await measure(`${remix.url}/api/v1/ruleset`, rulesetHeaders, 304),
    };
    const assignments = {
      fast: await measure(`${fast.url}${assignmentPath}`, [auth], 200),
      bare: await measure(`${bareJson.url}${assignmentPath}`, [auth], 200),
      remix: await measure(`${remix.url}${assignmentPath}`, [auth], 200),
    };
    bare304.close();
    bareJson.close();
    await fast.close();
    await remix.close();

    const load = readFileSync("/proc/loadavg", "utf8").split(" ").slice(0, 3).join(" ");
    console.log(
      `node ${process.version}, ${availableParallelism()} cores shared with the load generator (autocannon: one process, one thread); ${CONNECTIONS} connections, ` +
        `2 s warm-up + ${SECONDS} s per run; load average at the end ${load}`,
    );
    report("GET /api/v1/ruleset with a matching If-None-Match (304)", "304", ruleset, [
      `>= ${number(RULESET_TARGET)} req/s: ${verdict(ruleset.fast.requests.average >= RULESET_TARGET)}`,
    ]);
    report("GET /api/v1/assignments/:id (200, JSON)", "JSON", assignments, [
      `>= ${number(ASSIGNMENT_TARGET)} req/s: ${verdict(assignments.fast.requests.average >= ASSIGNMENT_TARGET)}`,
      `p99 < ${P99_TARGET_MS} ms: ${verdict(assignments.fast.latency.p99 < P99_TARGET_MS)}`,
    ]);
  } finally {
    const { closeControlDb } = await import("../app/utils/db.server");
    await closeControlDb();
    await control.drop();
  }
}

main().then(
  () => process.exit(0),
  (error) => {
    console.error(error);
    process.exit(1);
  },
);
