import { spawn, type ChildProcess } from "node:child_process";
import path from "node:path";
import { runMigrations } from "../db/migrate";
import { seedDemo } from "../db/seed";
import { DEMO_PASSWORD, DEMO_USERS } from "../db/seed/demo-control";
import { loadEnv, onShutdown, refuseUnsupportedSource, resolveDatabases, startUp, type Databases } from "./runtime";
import { supervise, type SupervisedChild } from "./supervisor";

// `npm run dev`: the same databases, migrations, seed, worker and simulator as `npm start`, but the web process runs
// under `remix dev`, which rebuilds on every change in app/, restarts the web process on the new build and reloads
// the browser. Development builds carry source maps and unminified React: never serve them as `npm start`.
process.env.NODE_ENV = "development";
const log = (line: string) => process.stderr.write(`cutover dev: ${line}\n`);
const running: { databases?: Databases; children: SupervisedChild[]; remix?: ChildProcess } = { children: [] };

async function stopAll() {
  const byName = (names: string[]) => running.children.filter((c) => names.includes(c.name));
  await Promise.all(byName(["simulator"]).map((c) => c.stop()));
  const remix = running.remix;
  const remixExited =
    remix && remix.exitCode === null && remix.signalCode === null ? new Promise<void>((resolve) => remix.once("exit", () => resolve())) : Promise.resolve();
  remix?.kill("SIGTERM");
  await Promise.all([remixExited, ...byName(["worker"]).map((c) => c.stop())]);
  await running.databases?.embedded?.stop();
}

const stopping = onShutdown(stopAll, 15_000);

/** Resolves once the web process answers /healthz (remix dev builds first, then starts it). */
async function webAnswers(url: string) {
  for (;;) {
    if (running.remix?.exitCode !== null) throw new Error("remix dev exited");
    const answered = await fetch(`${url}/healthz`).then(
      (response) => response.ok,
      () => false,
    );
    if (answered) return;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

await startUp(
  async () => {
    const databases = (running.databases = await resolveDatabases());
    const env = loadEnv();
    await refuseUnsupportedSource(env.SOURCE_DATABASE_URL);
    await runMigrations(env.CUTOVER_DATABASE_URL);
    const urls = { controlUrl: env.CUTOVER_DATABASE_URL, sourceUrl: env.SOURCE_DATABASE_URL, targetUrl: env.TARGET_DATABASE_URL };
    if (env.CUTOVER_DEMO) await seedDemo(urls);

    running.children.push(supervise("worker", "worker.ts", log));
    // remix itself, not through npx: npx would not pass our SIGTERM on, and remix dev would outlive us.
    running.remix = spawn(path.join("node_modules", ".bin", "remix"), ["dev", "-c", "node --import tsx scripts/web.ts"], {
      stdio: "inherit",
      env: process.env,
    });
    running.remix.once("exit", (code, signal) => {
      if (stopping()) return;
      log(`remix dev ${signal ? `was killed by ${signal}` : `exited with code ${code}`}; stopping.`);
      process.kill(process.pid, "SIGTERM");
    });
    const url = `http://${process.env.HOST ?? "127.0.0.1"}:${env.PORT}`;
    await webAnswers(url);
    if (env.CUTOVER_DEMO) running.children.push(supervise("simulator", "simulator.ts", log, { failIfStartFails: false }));
    const lines = ["", `Cutover (development) is running: open ${url}`, "  edits in app/ rebuild, restart the web process and reload the page."];
    if (env.CUTOVER_DEMO) lines.push(`  demo logins (password ${DEMO_PASSWORD}): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")}`);
    if (databases.embedded) lines.push(`  embedded PostgreSQL: control ${env.CUTOVER_DATABASE_URL}`);
    lines.push("  Ctrl-C stops everything.", "");
    process.stdout.write(lines.join("\n"));
  },
  { log, stopAll, stopping },
);
