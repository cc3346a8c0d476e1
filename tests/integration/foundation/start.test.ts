import { spawn } from "node:child_process";
import path from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { freePort } from "../../../db/embedded";
import { ensureBuilt } from "../../../scripts/runtime";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { startVersionedPostgres, UNSUPPORTED_MAJOR } from "../../support/versioned-postgres";

// `npm start` on the three database URLs, under the Node that runs this file (`npm test` runs it on 20, 22 and
// 24): the supervisor, the web process and the worker start, answer, and stop on SIGTERM. And a source older
// than the supported floor is refused at start-up with one line naming its version.
let control: ScratchDatabase;
let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  ensureBuilt();
  [control, source, target] = await Promise.all([createScratchDatabase("start_ctl"), createScratchDatabase("start_src"), createScratchDatabase("start_tgt")]);
}, 180_000);
afterAll(async () => {
  await Promise.all([control?.drop(), source?.drop(), target?.drop()]);
});

function start(urls: { control: string; source: string; target: string }, port: number) {
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: {
      ...process.env,
      NODE_ENV: "production",
      PORT: String(port),
      CUTOVER_DATABASE_URL: urls.control,
      SOURCE_DATABASE_URL: urls.source,
      TARGET_DATABASE_URL: urls.target,
      SESSION_SECRET: "start-test-secret-0123456789",
    },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let output = "";
  child.stdout!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on("data", (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.once("exit", (code) => resolve(code)));
  return { child, exited, output: () => output };
}

describe(`npm start on Node ${process.versions.node}`, () => {
  it("starts the web process and the worker, answers, and stops cleanly on SIGTERM", async () => {
    const port = await freePort();
    const app = start({ control: control.url, source: source.url, target: target.url }, port);
    try {
      for (const until = Date.now() + 120_000; !app.output().includes("Cutover is running");) {
        if (app.child.exitCode !== null || Date.now() > until) throw new Error(`npm start did not become ready:\n${app.output()}`);
        await new Promise((r) => setTimeout(r, 100));
      }
      const login = await fetch(`http://127.0.0.1:${port}/login`);
      expect(login.status).toBe(200);
      expect(await login.text()).toContain("Cutover");
      const [{ n }] = await control.sql<{ n: number }[]>`select count(*)::int as n from pgboss.version`;
      expect(n).toBe(1); // the worker's queue schema: the worker started
    } finally {
      app.child.kill("SIGTERM");
    }
    expect(await app.exited).toBe(0);
  }, 180_000);

  it(`refuses a PostgreSQL ${UNSUPPORTED_MAJOR} source at start-up, naming its version, before touching the control database`, async () => {
    const old = await startVersionedPostgres(UNSUPPORTED_MAJOR, path.resolve(`.data/test-pg${UNSUPPORTED_MAJOR}-${process.pid}`));
    try {
      const empty = await createScratchDatabase("start_refused_ctl");
      try {
        const app = start({ control: empty.url, source: old.url("postgres"), target: target.url }, await freePort());
        expect(await app.exited).toBe(1);
        expect(app.output()).toMatch(
          /cutover: the source database \(SOURCE_DATABASE_URL\) runs PostgreSQL 11\.\d+, older than the oldest supported version, PostgreSQL 12/,
        );
        expect(app.output()).not.toMatch(/\n\s+at /); // one line, no stack
        const [{ tables }] = await empty.sql<
          { tables: number }[]
        >`select count(*)::int as tables from pg_tables where schemaname not in ('pg_catalog', 'information_schema')`;
        expect(tables).toBe(0);
      } finally {
        await empty.drop();
      }
    } finally {
      await old.stop();
    }
  }, 120_000);
});
