import { isDatabaseUnavailable } from "../app/utils/database-unavailable";
import { loadEnv, onShutdown } from "./runtime";
import { startDemoTraffic } from "./demo-traffic";
import { reportCrashesTo, reportReady, supervised } from "./supervised";

// The demo's traffic simulator as its own process under `npm start`'s supervisor: simulated users of the demo
// application talking to Cutover through the real client, over HTTP like any application server.
const env = loadEnv();
let traffic: { stop(): Promise<void> } | null = null;
onShutdown(async () => void (await traffic?.stop()), 8_000, { quiet: supervised });
reportCrashesTo("simulator", () => process.kill(process.pid, "SIGTERM"));
const urls = { controlUrl: env.CUTOVER_DATABASE_URL, sourceUrl: env.SOURCE_DATABASE_URL, targetUrl: env.TARGET_DATABASE_URL };
// The databases may be down right now (an outage while this process restarts): wait for them, as the web and
// worker processes do, instead of dying and being restarted over and over.
for (;;) {
  try {
    traffic = await startDemoTraffic(urls);
    break;
  } catch (error) {
    if (!isDatabaseUnavailable(error)) throw error;
    await new Promise((r) => setTimeout(r, 1_000));
  }
}
reportReady(traffic ? "running" : "not started");
