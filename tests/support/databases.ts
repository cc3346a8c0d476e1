import { randomBytes } from "node:crypto";
import postgres from "postgres";
import { inject } from "vitest";

/** The admin URL of the server the tests run against (embedded 18 or TEST_DATABASE_URL). */
export function testServerUrl(): string {
  return process.env.TEST_DATABASE_URL ?? inject("testDatabaseUrl");
}

/**
 * The server the per-version suite's source databases live on (CUTOVER_TEST_SOURCE_PG's PostgreSQL); the main
 * test server elsewhere.
 */
export function testSourceServerUrl(): string {
  return process.env.TEST_SOURCE_SERVER_URL ?? testServerUrl();
}

export function databaseUrl(serverUrl: string, database: string): string {
  const url = new URL(serverUrl);
  url.pathname = `/${database}`;
  return url.toString();
}

export interface ScratchDatabase {
  name: string;
  url: string;
  /** A postgres.js client on it (closed by drop()). */
  sql: postgres.Sql;
  drop(): Promise<void>;
}

/** A fresh, uniquely named database for one test file (on the main test server unless told); drop() removes it. */
export async function createScratchDatabase(prefix = "t", serverUrl = testServerUrl()): Promise<ScratchDatabase> {
  const name = `${prefix.replace(/[^a-z0-9_]/gi, "_").toLowerCase()}_${randomBytes(4).toString("hex")}`;
  const admin = postgres(serverUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  await admin.end();
  const url = databaseUrl(serverUrl, name);
  const sql = postgres(url, { max: 4, onnotice: () => {} });
  return {
    name,
    url,
    sql,
    async drop() {
      await sql.end({ timeout: 5 });
      const a = postgres(serverUrl, { max: 1, onnotice: () => {} });
      // DROP DATABASE ... WITH (FORCE) is PostgreSQL 13+: on 12, end the sessions first.
      const [{ force }] = await a<{ force: boolean }[]>`select current_setting('server_version_num')::int >= 130000 as force`;
      if (!force) await a`select pg_terminate_backend(pid) from pg_stat_activity where datname = ${name} and pid <> pg_backend_pid()`;
      await a.unsafe(`drop database if exists "${name}"${force ? " with (force)" : ""}`);
      await a.end();
    },
  };
}
