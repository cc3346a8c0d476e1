import { closeControlDb } from "../../app/utils/db.server";
import { closeSideConnections } from "../../app/utils/databases.server";
import { DEMO_PASSWORD, DEMO_TOKEN, seedDemoControl } from "../../db/seed/demo-control";
import { ensureBuilt } from "../../scripts/runtime";
import { startWebServer } from "../../scripts/web-server";
import { createControlDatabase } from "./control-db";
import { createScratchDatabase, type ScratchDatabase } from "./databases";

export interface TestApp {
  baseUrl: string;
  control: ScratchDatabase;
  source: ScratchDatabase;
  target: ScratchDatabase;
  /** The all-scopes demo token. */
  token: string;
  /** Signs in through the real login form and returns the Cookie header for fetch(). */
  login(role: "viewer" | "support" | "engineer" | "admin"): Promise<string>;
  close(): Promise<void>;
}

const EMAIL = { viewer: "cto@demo.local", support: "support@demo.local", engineer: "engineer@demo.local", admin: "admin@demo.local" };

/**
 * The built app served over real HTTP on a free port, against three fresh scratch databases (control migrated,
 * demo logins and token seeded). One per test file: the app's connections are per-process singletons.
 * `prepare` runs before the server starts (e.g. create tables on source/target); `trustProxy` as CUTOVER_TRUST_PROXY.
 * Form posts must send `Origin: baseUrl`, as a browser does: without it the web server refuses them (CSRF).
 */
export async function startTestApp(
  options: { prepare?: (dbs: { control: ScratchDatabase; source: ScratchDatabase; target: ScratchDatabase }) => Promise<void>; trustProxy?: boolean } = {},
): Promise<TestApp> {
  ensureBuilt();
  const [control, source, target] = await Promise.all([
    createControlDatabase("app_control"),
    createScratchDatabase("app_source"),
    createScratchDatabase("app_target"),
  ]);
  await seedDemoControl(control.url);
  await options.prepare?.({ control, source, target });
  Object.assign(process.env, {
    NODE_ENV: "production",
    CUTOVER_DATABASE_URL: control.url,
    SOURCE_DATABASE_URL: source.url,
    TARGET_DATABASE_URL: target.url,
    SESSION_SECRET: "test-session-secret-0123456789",
    CUTOVER_DEMO: "true",
  });
  const web = await startWebServer({ port: 0, trustProxy: options.trustProxy });
  return {
    baseUrl: web.url,
    control,
    source,
    target,
    token: DEMO_TOKEN,
    async login(role) {
      const response = await fetch(`${web.url}/login`, {
        method: "POST",
        // Every form post carries its page's Origin, as a browser's does (the web server refuses it otherwise).
        headers: { Origin: web.url },
        body: new URLSearchParams({ email: EMAIL[role], password: DEMO_PASSWORD, redirectTo: "/" }),
        redirect: "manual",
      });
      const cookie = response.headers.get("set-cookie");
      if (response.status !== 302 || !cookie) throw new Error(`login as ${role} failed: ${response.status}`);
      return cookie.split(";")[0];
    },
    async close() {
      await web.close();
      await closeSideConnections();
      await closeControlDb();
      await Promise.all([control.drop(), source.drop(), target.drop()]);
    },
  };
}
