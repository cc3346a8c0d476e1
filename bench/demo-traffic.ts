/**
 * What the demo traffic simulator costs: operations per second achieved and the CPU of the simulating process
 * (simulator + application-side client), with every simulated user in shadow_read (the dearest mode: mirrored
 * writes, both sides read and compared). PostgreSQL's own CPU is not included.
 *
 *   npm run bench:demo-traffic                   (a throw-away embedded PostgreSQL)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:demo-traffic
 *   BENCH_SECONDS=20 (per rate)
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { createCutoverClient } from "../client/src";
import { startFakeControlPlane } from "../client/test-support/fake-control-plane";
import { startTrafficSimulator } from "../app/simulator/traffic-simulator.server";
import { SIMULATOR_ID } from "../app/simulator/simulator-store";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { runMigrations } from "../db/migrate";
import { seedDemoApplication } from "../db/demo/seed";

const SECONDS = Number(process.env.BENCH_SECONDS ?? 15);
const RATES = [20, 200];

let embedded: EmbeddedServer | undefined;
let dataDir: string | undefined;
let serverUrl = process.env.BENCH_DATABASE_URL;
if (!serverUrl) {
  dataDir = await mkdtemp(path.join(tmpdir(), "cutover-bench-traffic-"));
  embedded = await startEmbeddedPostgres({ dataDir });
  serverUrl = embedded.url("postgres");
}
const databaseUrl = (name: string) => Object.assign(new URL(serverUrl!), { pathname: `/${name}` }).toString();
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const names = ["control", "source", "target"].map((side) => `bench_traffic_${side}_${process.pid}`);
for (const name of names) await admin.unsafe(`create database "${name}"`);
const [controlUrl, sourceUrl, targetUrl] = names.map(databaseUrl);
await runMigrations(controlUrl);
const [control, source, target] = [controlUrl, sourceUrl, targetUrl].map((url) => postgres(url, { max: 4, onnotice: () => {} }));
const plane = await startFakeControlPlane();
plane.setRuleset({ version: 1, defaultMode: "shadow_read", emergency: null, cohorts: [], pins: [] });
const client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000 });

try {
  await seedDemoApplication({ source, target });
  await client.ready();
  for (const rate of RATES) {
    await control`
      insert into simulator_state (id, status, operations_per_second) values (${SIMULATOR_ID}, 'running', ${rate})
      on conflict (id) do update set status = 'running', operations_per_second = excluded.operations_per_second`;
    const simulator = await startTrafficSimulator({ source, target, control, client });
    const cpuBefore = process.cpuUsage();
    const started = performance.now();
    await new Promise((resolve) => setTimeout(resolve, SECONDS * 1000));
    await simulator.stop();
    const elapsed = (performance.now() - started) / 1000;
    const cpu = process.cpuUsage(cpuBefore);
    const stats = simulator.stats();
    const operations = stats.writes + stats.reads;
    process.stdout.write(
      `target ${rate} op/s: achieved ${(operations / elapsed).toFixed(1)} op/s over ${elapsed.toFixed(1)} s ` +
        `(${stats.writes} writes, ${stats.mirroredWrites} mirrored, ${stats.reads} reads, ${stats.comparisons} comparisons, ` +
        `${stats.mismatchesFound} mismatches, ${stats.errors} errors); ` +
        `simulator process CPU ${(((cpu.user + cpu.system) / 1e6 / elapsed) * 100).toFixed(1)}% of one core\n`,
    );
  }
} finally {
  await client.close(1_000);
  await plane.close();
  await Promise.all([control.end(), source.end(), target.end()]);
  for (const name of names) await admin.unsafe(`drop database if exists "${name}" with (force)`);
  await admin.end();
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}
