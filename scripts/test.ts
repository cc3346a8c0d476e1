import { spawn, spawnSync } from "node:child_process";
import { existsSync } from "node:fs";
import path from "node:path";

// `npm test`: lint (typecheck, eslint, prettier --check), build, unit + integration tests on a real PostgreSQL (embedded 18 by default,
// TEST_DATABASE_URL for another); the per-version suite against each source PostgreSQL 12 to 18 (control and
// target on CUTOVER_TEST_EXTRA_DATABASE_URL when set: CI's PostgreSQL 15); the client's suite and a start-up
// smoke test on Node 22 and 24; then Playwright journeys in Chromium against the built app.
// `npm test -- unit | versions | node | e2e` runs one phase (unit includes lint and build).
function run(label: string, command: string, args: string[], env: Record<string, string> = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  process.stdout.write(`== ${label}: ${result.status === 0 ? "ok" : "FAILED"} in ${seconds(started)} s\n`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const seconds = (since: number) => ((Date.now() - since) / 1000).toFixed(0);

interface Job {
  label: string;
  command: string;
  args: string[];
  env: Record<string, string>;
}

/**
 * Runs jobs `concurrency` at a time, each one's output printed whole when it ends (interleaved lines of two
 * vitest runs are unreadable). The per-version and per-Node runs mostly wait on PostgreSQL, child processes and
 * the engines' recheck delays, so two at a time fit a 2-core machine (measured: close to half the wall time).
 */
async function runAll(phase: string, jobs: Job[], concurrency: number) {
  process.stdout.write(`\n== ${phase}\n`);
  const started = Date.now();
  const failed: string[] = [];
  const queue = [...jobs];
  const worker = async () => {
    for (let job = queue.shift(); job; job = queue.shift()) {
      const at = Date.now();
      const child = spawn(job.command, job.args, { env: { ...process.env, ...job.env }, stdio: ["ignore", "pipe", "pipe"] });
      let output = "";
      child.stdout.on("data", (chunk: Buffer) => (output += chunk.toString()));
      child.stderr.on("data", (chunk: Buffer) => (output += chunk.toString()));
      const code = await new Promise<number | null>((resolve) => child.once("close", resolve));
      if (code !== 0) failed.push(job.label);
      process.stdout.write(`\n-- ${job.label}\n${output}-- ${job.label}: ${code === 0 ? "ok" : "FAILED"} in ${seconds(at)} s\n`);
    }
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  process.stdout.write(`== ${phase}: ${failed.length ? `FAILED (${failed.join(", ")})` : "ok"} in ${seconds(started)} s\n`);
  if (failed.length) process.exit(1);
}

const only = process.argv[2];
const extra = process.env.CUTOVER_TEST_EXTRA_DATABASE_URL;
// The PostgreSQL and Node packages of the matrices are published for Linux x64 only.
const matrixPlatform = process.platform === "linux" && process.arch === "x64";
const onExtra: Record<string, string> = extra ? { TEST_DATABASE_URL: extra } : {};

if (!only || only === "unit") {
  run("lint (typecheck, eslint and prettier --check)", "npm", ["run", "lint", "--silent"]);
  run("build", "npx", ["remix", "build"]);
  run("unit and integration tests", "npx", ["vitest", "run"]);
}

if (!only || only === "versions") {
  if (!matrixPlatform) process.stdout.write("\n== source PostgreSQL 12 to 18: skipped (their npm packages are Linux x64 only)\n");
  else {
    const majors = [12, 13, 14, 15, 16, 17, 18];
    // Control and target on the second server when there is one: the control store is then tested on it too.
    await runAll(
      `per-version suite, source PostgreSQL ${majors.join(", ")}${extra ? ` (control and target on ${new URL(extra).host})` : ""}`,
      majors.map((major) => ({
        label: `source PostgreSQL ${major}`,
        command: "npx",
        args: ["vitest", "run", "-c", "vitest.versions.config.ts"],
        env: { ...onExtra, CUTOVER_TEST_SOURCE_PG: String(major) },
      })),
      2,
    );
  }
}

if (!only || only === "node") {
  if (!matrixPlatform) process.stdout.write("\n== Node 22 and 24: skipped (their npm packages are Linux x64 only)\n");
  else {
    // Their own package: each declares a `node` bin, which in the root package would shadow this Node.
    const prefix = "tests/node-versions";
    if (!existsSync(path.join(prefix, "node_modules/node-24/bin/node"))) {
      run("install Node 22 and 24 (npm ci in tests/node-versions)", "npm", ["ci", "--prefix", prefix, "--no-audit", "--no-fund"]);
    }
    if (only) run("build", "npx", ["remix", "build"]);
    const files = ["client/", "tests/integration/client/", "tests/integration/foundation/start.test.ts"];
    await runAll(
      "client suite and start-up on Node 22 and 24",
      ["22", "24"].map((version) => ({
        label: `Node ${version}`,
        command: path.join(prefix, `node_modules/node-${version}/bin/node`),
        args: ["node_modules/vitest/vitest.mjs", "run", ...files],
        env: onExtra,
      })),
      2,
    );
  }
}

if (!only || only === "e2e") {
  if (!existsSync("/usr/bin/chromium")) {
    // No system Chromium: use Playwright's own browser, installed on first use.
    run("install Playwright's Chromium", "npx", ["playwright", "install", "chromium"]);
  }
  if (only) run("build", "npx", ["remix", "build"]);
  run("end-to-end journeys", "npx", ["playwright", "test"]);
}
