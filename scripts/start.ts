import { runMigrations } from "../db/migrate";
import { seedDemo } from "../db/seed";
import { DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERS } from "../db/seed/demo-control";
import { ensureBuilt, loadEnv, onShutdown, refuseUnsupportedSource, resolveDatabases, startUp, type Databases } from "./runtime";
import { supervise, type SupervisedChild } from "./supervisor";

// `npm start`: a supervisor that owns the databases (the embedded default, when no URL is set), migrates and seeds,
// then runs the web app, the job worker and (on the embedded default) the demo traffic simulator as child
// processes, each restarted with backoff if it dies. `--web-only` leaves jobs to separate `npm run worker` processes.
// React and express pick their production builds and error pages by this; the children inherit it.
process.env.NODE_ENV ??= "production";
const started = performance.now();
const webOnly = process.argv.includes("--web-only");
const log = (line: string) => process.stderr.write(`cutover: ${line}\n`);
const running: { databases?: Databases; children: SupervisedChild[] } = { children: [] };

async function stopAll() {
  const byName = (names: string[]) => running.children.filter((c) => names.includes(c.name));
  // The simulator talks to the web process, so it goes first; the database goes last.
  await Promise.all(byName(["simulator"]).map((c) => c.stop()));
  await Promise.all(byName(["web", "worker"]).map((c) => c.stop()));
  await running.databases?.embedded?.stop();
}

const stopping = onShutdown(stopAll, 15_000);

const phases: string[] = [];
async function phase<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const at = performance.now();
  const result = await work();
  phases.push(`${name} ${((performance.now() - at) / 1000).toFixed(1)} s`);
  return result;
}

await startUp(
  async () => {
    const databases = (running.databases = await phase("databases", resolveDatabases));
    const env = loadEnv();
    await refuseUnsupportedSource(env.SOURCE_DATABASE_URL);
    if (await phase("build", ensureBuilt)) phases[phases.length - 1] += " (app changed)";
    else phases.pop();
    await phase("migrations", () => runMigrations(env.CUTOVER_DATABASE_URL));
    const urls = { controlUrl: env.CUTOVER_DATABASE_URL, sourceUrl: env.SOURCE_DATABASE_URL, targetUrl: env.TARGET_DATABASE_URL };
    const seeded = env.CUTOVER_DEMO ? await phase("demo seed", () => seedDemo(urls)) : false;
    if (!seeded && env.CUTOVER_DEMO) phases.pop();

    const web = supervise("web", "web.ts", log);
    const worker = webOnly ? null : supervise("worker", "worker.ts", log);
    running.children.push(web, ...(worker ? [worker] : []));
    const [url] = await phase("processes", () => Promise.all([web.ready, worker?.ready]));
    // The simulator is a client of the web process: it starts once that answers.
    if (env.CUTOVER_DEMO && !webOnly) running.children.push(supervise("simulator", "simulator.ts", log, { failIfStartFails: false }));

    const lines = ["", `Cutover is running: open ${url}`, `  ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${phases.join(", ")})`];
    if (env.CUTOVER_DEMO) {
      lines.push(`  demo logins (password ${DEMO_PASSWORD}): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")}`, `  demo API token: ${DEMO_TOKEN}`);
    }
    if (databases.embedded) {
      lines.push(
        "  embedded PostgreSQL databases (psql these):",
        `    control ${env.CUTOVER_DATABASE_URL}`,
        `    source  ${env.SOURCE_DATABASE_URL}`,
        `    target  ${env.TARGET_DATABASE_URL}  (a second PostgreSQL standing in for CockroachDB)`,
      );
    }
    lines.push(webOnly ? "  web only: run `npm run worker` for jobs." : "  Ctrl-C stops everything.", "");
    process.stdout.write(lines.join("\n"));
  },
  { log, stopAll, stopping },
);
