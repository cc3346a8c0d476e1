import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { runMigrations } from "../db/migrate";
import { seedDemo } from "../db/seed";
import { DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERS } from "../db/seed/demo-control";
import { ensureBuilt, loadEnv, onShutdown, resolveDatabases } from "./runtime";
import { startWebServer } from "./web-server";
import { startWorker } from "./worker-runtime";
import { startDemoTraffic } from "./demo-traffic";

// `npm start`: the web app and the job worker (and, on the embedded default, the demo traffic simulator) in one
// process tree. `--web-only` leaves jobs to separate `npm run worker` processes.
const started = performance.now();
const webOnly = process.argv.includes("--web-only");
const databases = await resolveDatabases();
const env = loadEnv();
ensureBuilt();
await runMigrations(env.CUTOVER_DATABASE_URL);
const urls = { controlUrl: env.CUTOVER_DATABASE_URL, sourceUrl: env.SOURCE_DATABASE_URL, targetUrl: env.TARGET_DATABASE_URL };
const seeded = env.CUTOVER_DEMO ? await seedDemo(urls) : false;

const web = await startWebServer({ port: env.PORT, host: process.env.HOST ?? "127.0.0.1", trustProxy: process.env.CUTOVER_TRUST_PROXY === "true" });
const worker = webOnly ? null : await startWorker();
const traffic = env.CUTOVER_DEMO && !webOnly ? await startDemoTraffic(urls) : null;

const lines = [
  "",
  `Cutover is running: open ${web.url}`,
  `  ready in ${((performance.now() - started) / 1000).toFixed(1)} s${seeded ? " (demo seeded)" : ""}`,
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
lines.push("  Ctrl-C stops everything.", "");
process.stdout.write(lines.join("\n"));

onShutdown(async () => {
  await traffic?.stop();
  await web.close();
  await worker?.stop();
  await closeSideConnections();
  await closeControlDb();
  await databases.embedded?.stop();
});
