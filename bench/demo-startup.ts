import { spawn, type ChildProcess } from "node:child_process";
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../db/embedded";

// Measures the embedded default as a new user meets it: time from `npm start` to a usable dashboard on a fresh
// data folder (seeding included) and on a second start, and the memory of the whole process tree (web, worker,
// simulator and the embedded PostgreSQL) after it has run for a while. Targets: < 30 s, < 10 s, < 1 GB.
const SETTLE_MS = Number(process.env.BENCH_SETTLE_MS ?? 20_000);

async function waitForDashboard(url: string, child: ChildProcess, deadlineMs = 120_000) {
  const started = Date.now();
  while (Date.now() - started < deadlineMs) {
    if (child.exitCode !== null) throw new Error(`npm start exited with ${child.exitCode}`);
    try {
      const health = await fetch(`${url}/healthz`);
      const login = await fetch(`${url}/login`);
      if (health.ok && login.ok) return;
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error("the dashboard did not come up in time");
}

function descendants(pid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const ppid = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      children.set(ppid, [...(children.get(ppid) ?? []), Number(entry)]);
    } catch {
      // the process ended meanwhile
    }
  }
  const all: number[] = [];
  const queue = [pid];
  while (queue.length) {
    const next = queue.pop()!;
    all.push(next);
    queue.push(...(children.get(next) ?? []));
  }
  return all;
}

/** Proportional set size: shared memory (PostgreSQL's shared buffers) is counted once, not per backend. */
function treePssBytes(pid: number): number {
  let total = 0;
  for (const p of descendants(pid)) {
    try {
      const match = /^Pss:\s+(\d+) kB/m.exec(readFileSync(`/proc/${p}/smaps_rollup`, "utf8"));
      if (match) total += Number(match[1]) * 1024;
    } catch {
      // gone
    }
  }
  return total;
}

async function startOnce(dataDir: string, measureMemory: boolean) {
  const port = await freePort();
  const started = performance.now();
  // node itself (not npx) so the signal below reaches the process that handles it.
  const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
    env: { ...process.env, CUTOVER_DATA_DIR: dataDir, PORT: String(port), CUTOVER_DATABASE_URL: "", SOURCE_DATABASE_URL: "", TARGET_DATABASE_URL: "" },
    stdio: ["ignore", "ignore", "inherit"],
  });
  await waitForDashboard(`http://127.0.0.1:${port}`, child);
  const seconds = (performance.now() - started) / 1000;
  let pss = 0;
  if (measureMemory) {
    await new Promise((r) => setTimeout(r, SETTLE_MS));
    pss = treePssBytes(child.pid!);
  }
  const stopping = performance.now();
  child.kill("SIGINT");
  await new Promise<void>((resolve) => child.once("exit", () => resolve()));
  return { seconds, pss, stopSeconds: (performance.now() - stopping) / 1000 };
}

const dataDir = mkdtempSync(path.join(tmpdir(), "cutover-bench-"));
// As root, PostgreSQL runs as the `postgres` user, which must be able to enter the folder.
chmodSync(dataDir, 0o755);
try {
  const first = await startOnce(dataDir, true);
  const second = await startOnce(dataDir, false);
  const mb = (first.pss / 1024 / 1024).toFixed(0);
  process.stdout.write(
    [
      `first start (fresh data, demo seeded): ${first.seconds.toFixed(1)} s to a usable dashboard (target < 30 s)`,
      `later start:                           ${second.seconds.toFixed(1)} s (target < 10 s)`,
      `memory of the whole demo after ${SETTLE_MS / 1000} s:  ${mb} MB PSS (web + worker + simulator + embedded PostgreSQL; target < 1024 MB)`,
      `stop on SIGINT:                        ${first.stopSeconds.toFixed(1)} s and ${second.stopSeconds.toFixed(1)} s`,
      "",
    ].join("\n"),
  );
} finally {
  rmSync(dataDir, { recursive: true, force: true });
}
