import { randomBytes } from "node:crypto";
import { rm } from "node:fs/promises";
import path from "node:path";
import postgres from "postgres";
import { startEmbeddedPostgres, type EmbeddedServer } from "../../db/embedded";
import { runMigrations } from "../../db/migrate";

/**
 * A throw-away, migrated control database for a benchmark: on BENCH_DATABASE_URL (a server admin URL) when set,
 * else on an embedded PostgreSQL under .data/ (where the embedded server's own user can reach it). It also fills
 * the environment the app's models read, so they can be imported after this returns.
 */
export async function benchControlDatabase(label: string): Promise<{ url: string; drop(): Promise<void> }> {
  let server: EmbeddedServer | null = null;
  let dataDir: string | null = null;
  let adminUrl = process.env.BENCH_DATABASE_URL;
  if (!adminUrl) {
    dataDir = path.resolve(`.data/bench-${label}-${process.pid}`);
    server = await startEmbeddedPostgres({ dataDir });
    adminUrl = server.url("postgres");
  }
  const name = `bench_${label.replace(/\W/g, "_")}_${randomBytes(3).toString("hex")}`;
  const admin = postgres(adminUrl, { max: 1, onnotice: () => {} });
  await admin.unsafe(`create database "${name}"`);
  const url = Object.assign(new URL(adminUrl), { pathname: `/${name}` }).toString();
  await runMigrations(url);
  process.env.CUTOVER_DATABASE_URL = url;
  process.env.SOURCE_DATABASE_URL ??= url;
  process.env.TARGET_DATABASE_URL ??= url;
  process.env.SESSION_SECRET ??= "bench-session-secret-0123456789";
  return {
    url,
    async drop() {
      await admin.unsafe(`drop database "${name}" with (force)`);
      await admin.end();
      if (server) await server.stop();
      if (dataDir) await rm(dataDir, { recursive: true, force: true });
    },
  };
}
