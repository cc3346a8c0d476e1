import path from "node:path";
import type { TestProject } from "vitest/node";
import type { EmbeddedServer } from "../../db/embedded";
import { SOURCE_MAJORS, startVersionedPostgres } from "./versioned-postgres";

let server: EmbeddedServer | undefined;

/**
 * The per-version suite's source server: CUTOVER_TEST_SOURCE_PG=<major> starts that PostgreSQL from its npm
 * package; the control and target databases stay on the main test server (global-setup.ts).
 */
export async function setup(project: TestProject) {
  const major = Number(process.env.CUTOVER_TEST_SOURCE_PG ?? 18);
  if (!SOURCE_MAJORS.includes(major as (typeof SOURCE_MAJORS)[number])) {
    throw new Error(`CUTOVER_TEST_SOURCE_PG=${process.env.CUTOVER_TEST_SOURCE_PG}: the suite runs against PostgreSQL ${SOURCE_MAJORS.join(", ")}`);
  }
  server = await startVersionedPostgres(major, path.resolve(`.data/test-source-pg${major}-${process.pid}`));
  const url = server.url("postgres");
  process.env.TEST_SOURCE_SERVER_URL = url;
  project.provide("testSourceServerUrl", url);
  project.provide("testSourceMajor", major);
}

export async function teardown() {
  await server?.stop();
}

declare module "vitest" {
  export interface ProvidedContext {
    testSourceServerUrl: string;
    testSourceMajor: number;
  }
}
