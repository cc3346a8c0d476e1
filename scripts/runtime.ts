import { spawnSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { existsSync, readdirSync, readFileSync, statSync, writeFileSync, mkdirSync } from "node:fs";
import path from "node:path";
import { EmbeddedStartError, ensureDatabase, startEmbeddedPostgres, takeOverShutdown, type EmbeddedServer } from "../db/embedded";
import postgres from "postgres";
import { EnvError, parseEnv, type Env } from "../app/utils/env.server";
import { detectEngine } from "../app/health/engine.server";
import { unsupportedSourceReason } from "../app/health/source-support";

export const ROOT = process.cwd();

/** Prints one line and exits: configuration errors never show a stack trace. */
export function fail(message: string): never {
  process.stderr.write(`cutover: ${message}\n`);
  process.exit(1);
}

export function loadEnv(): Env {
  try {
    return parseEnv();
  } catch (error) {
    if (error instanceof EnvError) fail(error.message);
    throw error;
  }
}

const URL_VARS = ["CUTOVER_DATABASE_URL", "SOURCE_DATABASE_URL", "TARGET_DATABASE_URL"] as const;

export interface Databases {
  embedded: EmbeddedServer | null;
  /** True on the very first start of the embedded default (the demo is seeded then). */
  firstStart: boolean;
}

/**
 * With no database URL set, starts the embedded default: one embedded PostgreSQL holding the control, source and
 * target databases, data kept in CUTOVER_DATA_DIR (default .data/embedded). With all three set, uses them.
 */
export async function resolveDatabases(): Promise<Databases> {
  const set = URL_VARS.filter((name) => process.env[name]);
  if (set.length > 0 && set.length < URL_VARS.length) {
    const missing = URL_VARS.filter((name) => !process.env[name]);
    fail(`${missing.join(", ")} ${missing.length === 1 ? "is" : "are"} not set: set all three database URLs, or none for the embedded demo.`);
  }
  if (set.length === URL_VARS.length) return { embedded: null, firstStart: false };

  const dataDir = path.resolve(process.env.CUTOVER_DATA_DIR ?? ".data/embedded");
  mkdirSync(dataDir, { recursive: true });
  claimDataDir(dataDir);
  let embedded: EmbeddedServer;
  try {
    embedded = await startEmbeddedPostgres({
      dataDir: path.join(dataDir, "postgres"),
      onStaleServer: (pid) => process.stderr.write(`cutover: stopped the PostgreSQL (pid ${pid}) an earlier start left running on ${dataDir}\n`),
    });
  } catch (error) {
    if (error instanceof EmbeddedStartError) fail(error.message);
    throw error;
  }
  const admin = embedded.url("postgres");
  const created = await Promise.all([ensureDatabase(admin, "cutover_control"), ensureDatabase(admin, "demo_source"), ensureDatabase(admin, "demo_target")]);
  process.env.CUTOVER_DATABASE_URL = embedded.url("cutover_control");
  process.env.SOURCE_DATABASE_URL = embedded.url("demo_source");
  process.env.TARGET_DATABASE_URL = embedded.url("demo_target");
  process.env.CUTOVER_DEMO ??= "true";
  // A stable secret per data folder, so sessions survive restarts of the demo.
  const secretFile = path.join(dataDir, "session-secret");
  if (!process.env.SESSION_SECRET) {
    if (!existsSync(secretFile)) writeFileSync(secretFile, randomBytes(32).toString("hex"), { mode: 0o600 });
    process.env.SESSION_SECRET = readFileSync(secretFile, "utf8").trim();
  }
  return { embedded, firstStart: created[0] };
}

/**
 * Stops the start with one line when the source runs a PostgreSQL older than the supported floor. A source that
 * does not answer is not refused: the pages show it down, and the check runs again at the next start.
 */
export async function refuseUnsupportedSource(sourceUrl: string) {
  const sql = postgres(sourceUrl, { max: 1, connect_timeout: 5, onnotice: () => {} });
  let reason: string | null = null;
  try {
    reason = unsupportedSourceReason(await detectEngine(sql));
  } catch {
    // down or unreadable: the database status banner says so
  } finally {
    await sql.end({ timeout: 1 }).catch(() => {});
  }
  if (reason) fail(reason);
}

/**
 * One `npm start` (or `npm run dev`) per data folder: a second one would fight the first over its PostgreSQL. The supervisor's pid
 * is kept in the folder; a pid file whose process is gone (killed -9) is simply taken over.
 */
function claimDataDir(dataDir: string) {
  const pidFile = path.join(dataDir, "cutover.pid");
  if (existsSync(pidFile)) {
    const pid = Number(readFileSync(pidFile, "utf8").trim());
    if (Number.isInteger(pid) && pid > 0 && pid !== process.pid && isCutoverStart(pid)) {
      fail(`Cutover is already running on ${dataDir} (pid ${pid}): stop it first, or set CUTOVER_DATA_DIR to another folder.`);
    }
  }
  writeFileSync(pidFile, String(process.pid));
}

function isCutoverStart(pid: number): boolean {
  try {
    const command = readFileSync(`/proc/${pid}/cmdline`, "utf8");
    return command.includes("scripts/start.ts") || command.includes("scripts/dev.ts");
  } catch {
    return false;
  }
}

function newestMtime(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestMtime(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/**
 * Builds the Remix app when build/ is missing, older than app/ (so `npm start` works right after install), or the
 * development build `npm run dev` leaves there.
 */
export function ensureBuilt() {
  const built = path.join(ROOT, "build/index.js");
  const current = existsSync(built) && statSync(built).mtimeMs >= newestMtime(path.join(ROOT, "app"));
  if (current && !readFileSync(built, "utf8").includes('mode = "development"')) return false;
  // Always a production build: under vitest NODE_ENV is "test", which would yield a development bundle.
  const result = spawnSync("npx", ["remix", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"], env: { ...process.env, NODE_ENV: "production" } });
  if (result.status !== 0) fail("remix build failed (see above).");
  return true;
}

/**
 * Runs the shutdown steps once, on the first SIGINT/SIGTERM, with a hard deadline. Register it before starting
 * anything: a Ctrl-C during start-up must stop what has started so far, not crash half-way.
 * Returns a function telling whether shutdown has begun.
 */
export function onShutdown(steps: () => Promise<void>, deadlineMs = 8_000, options: { quiet?: boolean } = {}): () => boolean {
  takeOverShutdown();
  let stopping = false;
  const stop = async (signal: string) => {
    if (stopping) return;
    stopping = true;
    if (!options.quiet) process.stdout.write(`\ncutover: ${signal} received, stopping…\n`);
    const timer = setTimeout(() => {
      process.stderr.write("cutover: shutdown took too long, exiting.\n");
      process.exit(1);
    }, deadlineMs);
    timer.unref();
    try {
      await steps();
    } catch (error) {
      process.stderr.write(`cutover: error while stopping: ${(error as Error).message}\n`);
    }
    process.exit(0);
  };
  process.on("SIGINT", () => void stop("SIGINT"));
  process.on("SIGTERM", () => void stop("SIGTERM"));
  return () => stopping;
}

/**
 * Runs a launcher's start-up under `stopAll`'s care: if it fails, what has started so far is stopped and the process
 * exits 1 with the reason. A failure caused by our own shutdown (connections terminated mid start-up by a Ctrl-C) is
 * not worth a message: the shutdown is already under way.
 */
export async function startUp(
  work: () => Promise<void>,
  { log, stopAll, stopping }: { log: (line: string) => void; stopAll: () => Promise<void>; stopping: () => boolean },
): Promise<void> {
  try {
    await work();
  } catch (error) {
    if (stopping()) return;
    log(`could not start: ${(error as Error).message}`);
    await stopAll().catch(() => {});
    process.exit(1);
  }
}
