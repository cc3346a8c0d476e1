import { chromium } from "@playwright/test";
import { spawn } from "node:child_process";
import { chmodSync, existsSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import path from "node:path";
import { freePort } from "../db/embedded";

// Two times per ordinary page on the demo data, the embedded demo started as `npm start` would (traffic simulator
// included) and an engineer signed in:
// - server: the full server render fetched from this machine (loopback, so the time is the server's);
// - browser: a real Chromium navigating to the page until its main content (the page's heading in <main>) is
//   visible: the server render, the scripts and styles, hydration's first paint, as a person waits for it.
// Target: server well under 100 ms.
const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 30);
const BROWSER_ROUNDS = Number(process.env.BENCH_BROWSER_ROUNDS ?? 10);
// Debian's Chromium when the machine has it (as the Playwright config), otherwise Playwright's own.
const SYSTEM_CHROMIUM = "/usr/bin/chromium";
const PAGES = [
  "/",
  "/cohorts",
  "/users?userId=u_000042",
  "/mismatches",
  "/reconciliations",
  "/wraparound",
  "/capacity",
  "/performance",
  "/runway",
  "/schema",
  "/backfills",
  "/audit",
  "/settings",
];

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
    if (i > 3000) throw new Error("the demo did not start in 5 minutes");
    if (
      await fetch(`${base}/healthz`).then(
        (r) => r.ok,
        () => false,
      )
    )
      break;
    await new Promise((r) => setTimeout(r, 100));
  }
  const login = await fetch(`${base}/login`, {
    method: "POST",
    body: new URLSearchParams({ email: "engineer@demo.local", password: "cutover-demo" }),
    // Form posts must come from Cutover's own origin (app/utils/csrf.server.ts).
    headers: { Origin: base },
    redirect: "manual",
  });
  const cookie = (login.headers.get("set-cookie") ?? "").split(";")[0];
  if (!cookie) throw new Error(`login failed: ${login.status}`);
  process.stdout.write(
    `per page: server render (${ROUNDS} requests) and browser time to a usable page (${BROWSER_ROUNDS} navigations in Chromium until <main>'s heading is visible), simulator running\n`,
  );
  const server = new Map<string, number[]>();
  for (const page of PAGES) {
    const times: number[] = [];
    for (let i = 0; i < ROUNDS + 3; i++) {
      const started = performance.now();
      const response = await fetch(`${base}${page}`, { headers: { Cookie: cookie } });
      await response.text();
      if (response.status !== 200) throw new Error(`${page} answered ${response.status}`);
      if (i >= 3) times.push(performance.now() - started); // the first requests warm caches and the JIT
    }
    server.set(page, times);
  }
  const browser = await chromium.launch(
    existsSync(SYSTEM_CHROMIUM) ? { executablePath: SYSTEM_CHROMIUM, args: ["--headless", "--no-sandbox", "--disable-gpu"] } : {},
  );
  const inBrowser = new Map<string, number[]>();
  try {
    const context = await browser.newContext({ baseURL: base });
    const [name, value] = cookie.split("=");
    await context.addCookies([{ name, value, url: base }]);
    const tab = await context.newPage();
    for (const page of PAGES) {
      const times: number[] = [];
      for (let i = 0; i < BROWSER_ROUNDS + 1; i++) {
        const started = performance.now();
        await tab.goto(page, { waitUntil: "commit" });
        await tab.locator("main h1").first().waitFor({ state: "visible" });
        if (i >= 1) times.push(performance.now() - started); // the first navigation fills the browser's cache
      }
      inBrowser.set(page, times);
    }
  } finally {
    await browser.close();
  }
  const at = (times: number[], q: number) => {
    const sorted = [...times].sort((a, b) => a - b);
    return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))].toFixed(1).padStart(7);
  };
  process.stdout.write(`${"page".padEnd(26)} ${"server p50".padStart(11)} ${"p95".padStart(9)}   ${"browser p50".padStart(12)} ${"p95".padStart(9)}\n`);
  for (const page of PAGES) {
    const s = server.get(page)!;
    const b = inBrowser.get(page)!;
    process.stdout.write(`${page.padEnd(26)} ${at(s, 0.5)} ms ${at(s, 0.95)} ms   ${at(b, 0.5)} ms  ${at(b, 0.95)} ms\n`);
  }
} finally {
  child.kill("SIGINT");
  await new Promise((resolve) => child.once("exit", resolve));
  rmSync(dataDir, { recursive: true, force: true });
}
