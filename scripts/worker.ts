import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { runMigrations } from "../db/migrate";
import { loadEnv, onShutdown } from "./runtime";
import { startWorker } from "./worker-runtime";

// `npm run worker`: only the job worker, for scaling out beside `npm start` (needs the three database URLs).
const env = loadEnv();
await runMigrations(env.CUTOVER_DATABASE_URL);
const worker = await startWorker();
process.stdout.write("cutover worker: running (Ctrl-C stops it)\n");
onShutdown(async () => {
  await worker.stop();
  await closeSideConnections();
  await closeControlDb();
});
