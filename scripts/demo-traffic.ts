import postgres from "postgres";
import { createCutoverClient } from "../client/src";
import { startTrafficSimulator } from "../app/simulator/traffic-simulator.server";
import { reconnectBackoff } from "../app/utils/reconnect-backoff.server";
import type { DemoUrls } from "../db/seed";
import { DEMO_TOKEN } from "../db/seed/demo-control";

/**
 * The demo traffic simulator of `npm start`: simulated users of the demo application, through the real
 * application-side client talking to this very Cutover over HTTP (ruleset polling, mismatch reports).
 * Returns null when the demo application is not there (e.g. real databases configured).
 */
export async function startDemoTraffic(urls: DemoUrls): Promise<{ stop(): Promise<void> } | null> {
  // The pools' short reconnect backoff: after an outage the demo's traffic resumes with the databases, not up to
  // 20 s later (postgres.js's own backoff).
  const options = {
    max: 4,
    idle_timeout: 30,
    backoff: reconnectBackoff,
    onnotice: () => {},
    connection: { application_name: "cutover-demo-traffic" },
  };
  const source = postgres(urls.sourceUrl, options);
  const target = postgres(urls.targetUrl, options);
  const control = postgres(urls.controlUrl, { ...options, max: 2 });
  const closeAll = () => Promise.all([source.end({ timeout: 5 }), target.end({ timeout: 5 }), control.end({ timeout: 5 })]);
  const [{ ready }] = await source<{ ready: boolean }[]>`select to_regclass('public.users') is not null as ready`;
  if (!ready) {
    await closeAll();
    return null;
  }
  const client = createCutoverClient({
    url: `http://127.0.0.1:${process.env.PORT ?? 3000}`,
    token: DEMO_TOKEN,
    pollIntervalMs: 5_000,
    // The ruleset endpoint may not answer yet while the web server warms up: the client fails static meanwhile.
    onShadowError: () => {},
  });
  let simulator;
  try {
    simulator = await startTrafficSimulator({ source, target, control, client });
  } catch (error) {
    // The dashboard is still worth serving without live traffic: say why in one line and carry on.
    process.stderr.write(`cutover: demo traffic not started: ${(error as Error).message}\n`);
    await client.close(1_000);
    await closeAll();
    return null;
  }
  return {
    async stop() {
      await simulator.stop();
      await client.close(2_000);
      await closeAll();
    },
  };
}
