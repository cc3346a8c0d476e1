import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { isDatabaseUnavailable } from "../app/utils/database-unavailable";
import { runMigrations } from "../db/migrate";
import { loadEnv, onShutdown, refuseUnsupportedSource } from "./runtime";
import { reportCrashesTo, reportReady, supervised } from "./supervised";
import { startWorker } from "./worker-runtime";

// `npm run worker`: only the job worker, for scaling out beside `npm start` (needs the three database URLs).
// `npm start` runs one too, under its supervisor.
process.env.NODE_ENV ??= "production"; // run alone too (not under npm start), React's production build
const env = loadEnv();
// Under the supervisor, npm start checked the source's version already.
if (!supervised) await refuseUnsupportedSource(env.SOURCE_DATABASE_URL);
let worker: { stop(): Promise<void> } | undefined;
onShutdown(
  async () => {
    await worker?.stop();
    await closeSideConnections();
    await closeControlDb();
  },
  8_000,
  { quiet: supervised },
);
reportCrashesTo("worker", () => process.kill(process.pid, "SIGTERM"));
// Under the supervisor the migrations ran before; alone, this may be the first process on a new control DB.
if (!supervised) await runMigrations(env.CUTOVER_DATABASE_URL);
// The control DB may be down right now (an outage while this process restarts): wait for it rather than die.
for (;;) {
  try {
    worker = await startWorker();
    break;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
if (supervised) reportReady();
else process.stdout.write("cutover worker: running (Ctrl-C stops it)\n");
