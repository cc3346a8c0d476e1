import { spawnSync } from "node:child_process";
import { existsSync } from "node:fs";

// `npm test`: typecheck, build, unit + integration tests on a real PostgreSQL (embedded 18 by default,
// TEST_DATABASE_URL for another), again on CUTOVER_TEST_EXTRA_DATABASE_URL when set (CI: the PostgreSQL 15 on
// this machine), then Playwright journeys in Chromium against the built app.
function run(label: string, command: string, args: string[], env: Record<string, string> = {}) {
  process.stdout.write(`\n== ${label}\n`);
  const started = Date.now();
  const result = spawnSync(command, args, { stdio: "inherit", env: { ...process.env, ...env } });
  process.stdout.write(`== ${label}: ${result.status === 0 ? "ok" : "FAILED"} in ${((Date.now() - started) / 1000).toFixed(0)} s\n`);
  if (result.status !== 0) process.exit(result.status ?? 1);
}

const only = process.argv[2];

if (!only || only === "unit") {
  run("typecheck", "npx", ["tsc", "-p", "tsconfig.json", "--noEmit"]);
  run("build", "npx", ["remix", "build"]);
  run("unit and integration tests", "npx", ["vitest", "run"]);
  const extra = process.env.CUTOVER_TEST_EXTRA_DATABASE_URL;
  if (extra) run(`integration tests again on ${new URL(extra).host}`, "npx", ["vitest", "run"], { TEST_DATABASE_URL: extra, CUTOVER_TEST_EXTRA_RUN: "true" });
}

if (!only || only === "e2e") {
  if (!existsSync("/usr/bin/chromium")) {
    // No system Chromium: use Playwright's own browser, installed on first use.
    run("install Playwright's Chromium", "npx", ["playwright", "install", "chromium"]);
  }
  if (only) run("build", "npx", ["remix", "build"]);
  run("end-to-end journeys", "npx", ["playwright", "test"]);
}
