import { mkdirSync, rmSync, writeFileSync } from "node:fs";
import path from "node:path";
import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { ensureDatabase, startEmbeddedPostgres } from "../db/embedded";
import { runMigrations } from "../db/migrate";
import { seedDemo } from "../db/seed";
import { ensureBuilt, onShutdown } from "./runtime";
import { startWebServer } from "./web-server";
import { startWorker } from "./worker-runtime";

// The server Playwright starts: the built app and the worker on a fresh embedded PostgreSQL with the whole demo
// seeded and no simulated traffic, so journeys see known data. Writes the database URLs for the tests' own checks.
const dir = path.resolve(".data/e2e");
rmSync(dir, { recursive: true, force: true });
mkdirSync(dir, { recursive: true });
const embedded = await startEmbeddedPostgres({ dataDir: path.join(dir, "postgres") });
const admin = embedded.url("postgres");
await Promise.all(["cutover_control", "demo_source", "demo_target"].map((name) => ensureDatabase(admin, name)));
const urls = { controlUrl: embedded.url("cutover_control"), sourceUrl: embedded.url("demo_source"), targetUrl: embedded.url("demo_target") };
Object.assign(process.env, {
  NODE_ENV: "production",
  CUTOVER_DATABASE_URL: urls.controlUrl,
  SOURCE_DATABASE_URL: urls.sourceUrl,
  TARGET_DATABASE_URL: urls.targetUrl,
  SESSION_SECRET: "e2e-session-secret-0123456789abcdef",
  CUTOVER_DEMO: "true",
});
ensureBuilt();
await runMigrations(urls.controlUrl);
await seedDemo(urls);
writeFileSync(path.join(dir, "urls.json"), JSON.stringify(urls));
const web = await startWebServer({ port: Number(process.env.E2E_PORT ?? 3457) });
const worker = await startWorker();
process.stdout.write(`e2e server on ${web.url}\n`);
onShutdown(async () => {
  await web.close();
  await worker.stop();
  await closeSideConnections();
  await closeControlDb();
  await embedded.stop();
});
