import { execFile } from "node:child_process";
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { promisify } from "node:util";
import { transformSync } from "esbuild";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { drainMismatchInbox } from "../../../app/models/mismatch-fold.server";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import { setPin } from "../../../app/models/pin.server";
import { startTestApp, type TestApp } from "../../support/app-server";

/**
 * The client as an application installs it: `npm pack` of the workspace package, installed from the tarball into
 * a fresh project outside this repository, the README's example type-checked against the package's declarations
 * and run with plain Node against a real Cutover (the built app over HTTP) and real source and target databases.
 */
const repo = resolve(__dirname, "../../..");

function readmeExample(): string {
  const readme = readFileSync(join(repo, "client/README.md"), "utf8");
  const match = /```ts\n([\s\S]*?)```/.exec(readme);
  if (!match) throw new Error("client/README.md has no ts example");
  return match[1];
}

const DRIVER = `
import { cutover, getDocument, renameDocument } from "./example.mjs";

// The client evaluates locally: wait (bounded) until it holds the ruleset with the test's pin.
const deadline = Date.now() + 30_000;
while (cutover.assignment("u1").mode !== "shadow_read") {
  if (Date.now() > deadline) throw new Error("the client never saw the shadow_read pin: " + JSON.stringify(cutover.status()));
  await cutover.refresh();
}
await renameDocument("u1", 1, "Renamed by the example");
const doc = await getDocument("u1", 2);
// The comparison runs after the primary answers: closing delivers what the reporter holds.
await new Promise((r) => setTimeout(r, 50));
await cutover.close(10_000);
console.log(JSON.stringify({ doc, counters: cutover.counters(), stats: cutover.reporter.stats() }));
process.exit(0);
`;

describe("@cutover/client installed from its tarball", () => {
  let app: TestApp;
  let project: string;

  beforeAll(async () => {
    app = await startTestApp({
      async prepare({ source, target }) {
        for (const db of [source, target]) {
          await db.sql`create table documents (id int primary key, title text not null)`;
          await db.sql`insert into documents values (1, 'Essay'), (2, 'Notes')`;
        }
        // A divergence the example's shadow read must find and report.
        await target.sql`update documents set title = 'Nootes' where id = 2`;
      },
    });
    // The example's user reads in shadow_read: a pin, so no cohort has to pass the rollout gates first.
    await setPin("u1", "shadow_read", "client package test", null, SYSTEM_ACTOR);
    project = mkdtempSync(join(tmpdir(), "cutover-client-install-"));
  }, 300_000);

  afterAll(async () => {
    await app?.close();
    if (project) rmSync(project, { recursive: true, force: true });
  });

  it("packs, installs, type-checks and runs the README example against a running Cutover", async () => {
    // Every step runs asynchronously: the Cutover under test is served from this process.
    const run = promisify(execFile);
    const packed = await packedAlone(async () =>
      JSON.parse((await run("npm", ["pack", "--json", "--pack-destination", project], { cwd: join(repo, "client") })).stdout),
    );
    const tarball = join(project, packed[0].filename as string);
    // Only what an installed package needs: no sources, no tests.
    const files = (packed[0].files as { path: string }[]).map((f) => f.path);
    expect(files).toContain("dist/index.js");
    expect(files).toContain("dist/types/client/src/index.d.ts");
    expect(files.filter((f) => f.endsWith(".test.ts") || f.startsWith("src/"))).toEqual([]);

    writeFileSync(join(project, "package.json"), JSON.stringify({ name: "example-app", private: true, type: "module" }));
    await run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", tarball, "postgres@3.4"], { cwd: project });

    const example = readmeExample();
    writeFileSync(join(project, "example.ts"), example);
    writeFileSync(
      join(project, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          module: "nodenext",
          moduleResolution: "nodenext",
          target: "es2022",
          strict: true,
          noEmit: true,
          // The fresh project has no @types/node of its own; the repository's is the same one an app would add.
          typeRoots: [join(repo, "node_modules/@types")],
          types: ["node"],
        },
        files: ["example.ts"],
      }),
    );
    await run(process.execPath, [join(repo, "node_modules/typescript/bin/tsc"), "-p", project], { cwd: project });

    writeFileSync(join(project, "example.mjs"), transformSync(example, { loader: "ts", format: "esm" }).code);
    writeFileSync(join(project, "run.mjs"), DRIVER);
    const { stdout: output } = await run(process.execPath, ["run.mjs"], {
      cwd: project,
      encoding: "utf8",
      env: {
        NODE_ENV: "production",
        PATH: process.env.PATH,
        CUTOVER_URL: app.baseUrl,
        CUTOVER_TOKEN: app.token,
        SOURCE_DATABASE_URL: app.source.url,
        TARGET_DATABASE_URL: app.target.url,
      },
    });
    const result = JSON.parse(output.trim().split("\n").at(-1)!);
    expect(result.doc).toEqual({ id: 2, title: "Notes" });
    expect(result.stats.delivered).toBe(1);
    expect(result.counters).toMatchObject({ writes: 1, secondaryWriteErrors: 0, shadowReads: 1, mismatchesFound: 1 });
  }, 300_000);

  it("mirrored the example's write and delivered its shadow read's mismatch to Cutover", async () => {
    const [source] = await app.source.sql`select title from documents where id = 1`;
    const [target] = await app.target.sql`select title from documents where id = 1`;
    expect([source.title, target.title]).toEqual(["Renamed by the example", "Renamed by the example"]);
    await drainMismatchInbox();
    const records = await app.control.sql`select kind, table_name, primary_key, differing_fields from mismatches`;
    // The key in Cutover's canonical form for the int4 column, whatever form the client sent.
    expect(records.map((r) => ({ ...r }))).toEqual([{ kind: "value_mismatch", table_name: "documents", primary_key: { id: 2 }, differing_fields: ["title"] }]);
  });
});

/**
 * `npm pack` rebuilds client/dist in place (prepack): `npm test` runs this suite on Node 22 and 24 at once, and two
 * packs writing one dist read each other's half-written files. A lock directory (mkdir is atomic) lets one pack at a
 * time; one left by a killed run is taken over after five minutes.
 */
async function packedAlone<T>(pack: () => Promise<T>): Promise<T> {
  const lock = join(tmpdir(), "cutover-client-pack.lock");
  for (;;) {
    try {
      mkdirSync(lock);
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== "EEXIST") throw error;
      const age = Date.now() - (statSync(lock, { throwIfNoEntry: false })?.mtimeMs ?? Date.now());
      if (age > 5 * 60_000) rmSync(lock, { recursive: true, force: true });
      else await new Promise((resolve) => setTimeout(resolve, 200));
    }
  }
  try {
    return await pack();
  } finally {
    rmSync(lock, { recursive: true, force: true });
  }
}
