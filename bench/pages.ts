import { spawn } from "node:child_process";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../db/embedded";

// Server time of the ordinary pages on the demo data: the embedded demo is started as `npm start` would (traffic
// simulator included), an engineer signs in, and each page's full server render is fetched from this machine
// (loopback, so the time is the server's). Target: well under 100 ms.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const PAGES = ["/", "/cohorts", "/users?userId=u_000042", "/mismatches", "/reconciliations", "/wraparound", "/capacity", "/audit", "/settings"];

const dataDir = mkdtempSync(path.join(tmpdir(), "cutover-pages-"));
chmodSync(dataDir, 0o755); // as root, PostgreSQL runs as `postgres` and must be able to enter it
const port = await freePort();
const base = `http://127.0.0.1:${port}`;
const child = spawn(process.execPath, ["--import", "tsx", "scripts/start.ts"], {
  env: { ...process.env, CUTOVER_DATA_DIR: dataDir, PORT: String(port), CUTOVER_DATABASE_URL: "", SOURCE_DATABASE_URL: "", TARGET_DATABASE_URL: "" },
  stdio: ["ignore", "ignore", "inherit"],
});
try {
  for (let i = 0; ; i++) {
    if (i > 1200) throw new Error("the demo did not start");
    if (await fetch(`${base}/healthz`).then((r) => r.ok, () => false)) break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await fetch(`${base}/login`, {
    method: "POST",
    body: new URLSearchParams({ email: "engineer@demo.local", password: "cutover-demo" }),
    redirect: "manual",
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  process.stdout.write(`server render of each page on the demo data, ${ROUNDS} requests each, simulator running\n`);
  for (const page of PAGES) {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS + 3; i++) {
      const started = performance.now();
      const response = await fetch(`${base}${page}`, { headers: { Cookie: cookie } });
      await response.text();
      if (response.status !== 200) throw new Error(`${page} answered ${response.status}`);
      if (i >= 3) times.push(performance.now() - started); // the first requests warm caches and the JIT
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))].toFixed(1);
    process.stdout.write(`${page.padEnd(26)} p50 ${at(0.5).padStart(6)} ms   p95 ${at(0.95).padStart(6)} ms\n`);
  }
} finally {
  child.kill("SIGINT");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
