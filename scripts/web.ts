import { closeControlDb } from "../app/utils/db.server";
import { closeSideConnections } from "../app/utils/databases.server";
import { loadEnv, onShutdown, refuseUnsupportedSource } from "./runtime";
import { reportCrashesTo, reportReady, supervised } from "./supervised";
import { startWebServer, type WebServer } from "./web-server";

// One web process: the pages and the API on PORT. `npm start` runs it under its supervisor; behind a load
// balancer any number may run against one control DB.
process.env.NODE_ENV ??= "production"; // run alone too (not under npm start), React's production build
const env = loadEnv();
// Under the supervisor, npm start checked the source's version already.
if (!supervised) await refuseUnsupportedSource(env.SOURCE_DATABASE_URL);
// Assigned once the server listens; a `let` because the shutdown step below may run before that.
// eslint-disable-next-line prefer-const
let web: WebServer | undefined;
onShutdown(
  async () => {
    await web?.close();
    await closeSideConnections();
    await closeControlDb();
  },
  8_000,
  { quiet: supervised },
);
reportCrashesTo("web", () => process.kill(process.pid, "SIGTERM"));
web = await startWebServer({ port: env.PORT, host: process.env.HOST ?? "127.0.0.1", trustProxy: process.env.CUTOVER_TRUST_PROXY === "true" });
if (supervised) reportReady(web.url);
else process.stdout.write(`cutover web: ${web.url} (Ctrl-C stops it)\n`);
