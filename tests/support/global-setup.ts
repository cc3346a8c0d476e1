import path from "node:path";
import { rm } from "node:fs/promises";
import type { TestProject } from "vitest/node";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";

let server: EmbeddedServer | undefined;
let dataDir: string | undefined;

/**
 * The tests need one PostgreSQL server on which they create scratch databases. TEST_DATABASE_URL points them at
 * an existing server (e.g. the PostgreSQL 15 on this machine); otherwise an embedded PostgreSQL 18 is started.
 */
export async function setup(project: TestProject) {
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    // One throw-away cluster per run, so parallel runs (and developers' helpers) never share a data folder.
    dataDir = path.resolve(`.data/test-postgres-${process.pid}`);
    await rm(dataDir, { recursive: true, force: true });
    server = await startEmbeddedPostgres({ dataDir });
    url = server.url("postgres");
  }
  process.env.TEST_DATABASE_URL = url;
  project.provide("testDatabaseUrl", url);
}

export async function teardown() {
  await server?.stop();
  if (dataDir) await rm(dataDir, { recursive: true, force: true });
}

declare module "vitest" {
  export interface ProvidedContext {
    testDatabaseUrl: string;
  }
}
