import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { runMigrations } from "../db/migrate";
import { seedDemo } from "../db/seed";
import { DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERS } from "../db/seed/demo-control";
import { ensureBuilt, loadEnv, onShutdown, resolveDatabases, type Databases } from "./runtime";
import { startWebServer, type WebServer } from "./web-server";
import { startWorker } from "./worker-runtime";
import { startDemoTraffic } from "./demo-traffic";

// `npm start`: the web app and the job worker (and, on the embedded default, the demo traffic simulator) in one
// process tree. `--web-only` leaves jobs to separate `npm run worker` processes.
const started = performance.now();
const webOnly = process.argv.includes("--web-only");
const running: {
  databases?: Databases;
  web?: WebServer;
  worker?: { stop(): Promise<void> } | null;
  traffic?: { stop(): Promise<void> } | null;
} = {};

const stopping = onShutdown(async () => {
  await running.traffic?.stop();
  await running.web?.close();
  await running.worker?.stop();
  await closeSideConnections();
  await closeControlDb();
  await running.databases?.embedded?.stop();
});

const phases: string[] = [];
async function phase<T>(name: string, work: () => Promise<T> | T): Promise<T> {
  const at = performance.now();
  const result = await work();
  phases.push(`${name} ${((performance.now() - at) / 1000).toFixed(1)} s`);
  return result;
}

try {
  const databases = (running.databases = await phase("databases", resolveDatabases));
  const env = loadEnv();
  if (await phase("build", ensureBuilt)) phases[phases.length - 1] += " (app changed)";
  else phases.pop();
  await phase("migrations", () => runMigrations(env.CUTOVER_DATABASE_URL));
  const urls = { controlUrl: env.CUTOVER_DATABASE_URL, sourceUrl: env.SOURCE_DATABASE_URL, targetUrl: env.TARGET_DATABASE_URL };
  const seeded = env.CUTOVER_DEMO ? await phase("demo seed", () => seedDemo(urls)) : false;
  if (!seeded && env.CUTOVER_DEMO) phases.pop();

  const web = (running.web = await startWebServer({
    port: env.PORT,
    host: process.env.HOST ?? "127.0.0.1",
    trustProxy: process.env.CUTOVER_TRUST_PROXY === "true",
  }));
  running.worker = webOnly ? null : await startWorker();
  running.traffic = env.CUTOVER_DEMO && !webOnly ? await startDemoTraffic(urls) : null;

  const lines = [
    "",
    `Cutover is running: open ${web.url}`,
    `  ready in ${((performance.now() - started) / 1000).toFixed(1)} s (${phases.join(", ")})`,
  ];
  if (env.CUTOVER_DEMO) {
    lines.push(
      `  demo logins (password ${DEMO_PASSWORD}): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(", ")}`,
      `  demo API token: ${DEMO_TOKEN}`,
    );
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
} catch (error) {
  // Errors caused by our own shutdown (connections terminated mid start-up) are not worth a stack trace.
  if (!stopping()) throw error;
}
