/**
 * How long the demo application seed takes: source and target together (what the first `npm start` waits for),
 * then the idempotent second call (what every later start pays).
 *
 *   npm run bench:demo-seed                      (a throw-away embedded PostgreSQL)
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:demo-seed
 */
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedServer } from "../db/embedded";
import { seedDemoApplication } from "../db/demo/seed";

const RUNS = Number(process.env.BENCH_RUNS ?? 3);

let embedded: EmbeddedServer | undefined;
let dataDir: string | undefined;
let serverUrl = process.env.BENCH_DATABASE_URL;
if (!serverUrl) {
  dataDir = await mkdtemp(path.join(tmpdir(), "cutover-bench-seed-"));
  embedded = await startEmbeddedPostgres({ dataDir });
  serverUrl = embedded.url("postgres");
}
const databaseUrl = (name: string) => Object.assign(new URL(serverUrl!), { pathname: `/${name}` }).toString();
const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
const server = (await admin`select version() as v`)[0].v as string;

const firstRuns: number[] = [];
const secondRuns: number[] = [];
try {
  for (let run = 0; run < RUNS; run++) {
    const names = [`bench_seed_source_${process.pid}_${run}`, `bench_seed_target_${process.pid}_${run}`];
    for (const name of names) await admin.unsafe(`create database "${name}"`);
    const [source, target] = names.map((name) => postgres(databaseUrl(name), { max: 2, onnotice: () => {} }));
    try {
      const first = await seedDemoApplication({ source, target });
      const second = await seedDemoApplication({ source, target });
      firstRuns.push(first.milliseconds);
      secondRuns.push(second.milliseconds);
      process.stdout.write(
        `run ${run + 1}: seed ${first.milliseconds} ms (${first.source.rows} + ${first.target.rows} rows), second call ${second.milliseconds} ms\n`,
      );
    } finally {
      await Promise.all([source.end(), target.end()]);
      for (const name of names) await admin.unsafe(`drop database if exists "${name}" with (force)`);
    }
  }
} finally {
  await admin.end();
  await embedded?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];
process.stdout.write(
  `\n${server.split(",")[0]}\n` +
    `demo seed, source + target concurrently: median ${median(firstRuns)} ms over ${RUNS} runs (min ${Math.min(...firstRuns)} ms)\n` +
    `idempotent second call: median ${median(secondRuns)} ms\n`,
);
