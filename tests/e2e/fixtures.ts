import { test as base, expect, type Cookie, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";
import { DEMO_PASSWORD, DEMO_TOKEN, DEMO_USERS } from "../../db/seed/demo-control";

export type Role = (typeof DEMO_USERS)[number]["role"];

/** The seed's demo logins by role: tests sign in as the demo's own users, never a copy of them. */
export const DEMO_EMAILS = Object.fromEntries(DEMO_USERS.map((user) => [user.role, user.email])) as Record<Role, string>;
export { DEMO_PASSWORD, DEMO_TOKEN };

// One session per role and test worker: the server creates it once (its own login action, its own sessions row and
// signed cookie), and every later sign-in as that role reuses the cookie.
const sessions = new Map<Role, Cookie[]>();

async function newSession(page: Page, role: Role): Promise<Cookie[]> {
  const baseURL = test.info().project.use.baseURL!;
  const response = await page.request.post("/login", {
    form: { email: DEMO_EMAILS[role], password: DEMO_PASSWORD, redirectTo: "/" },
    // Sent as the login page would: same origin, so the CSRF check lets it through.
    headers: { Origin: new URL(baseURL).origin },
    maxRedirects: 0,
  });
  expect(response.status(), `signing in as ${role}`).toBe(302);
  const cookies = (await page.context().cookies(baseURL)).filter((cookie) => cookie.name === "__cutover");
  expect(cookies, `the session cookie for ${role}`).toHaveLength(1);
  return cookies;
}

/**
 * Signs in as the demo user of `role` by session cookie, without the login form, and opens the dashboard (where
 * the form would have landed). A cached session the server no longer knows is replaced once.
 */
export async function loginAs(page: Page, role: Role) {
  const nav = page.getByRole("navigation", { name: "Main" });
  const cached = sessions.get(role);
  if (cached) {
    await page.context().addCookies(cached);
    await page.goto("/");
    if (await nav.isVisible()) return;
  }
  const cookies = await newSession(page, role);
  sessions.set(role, cookies);
  await page.goto("/");
  await expect(nav).toBeVisible();
}

/** Signs in through the real login form (the session cookie then lives in the page's context). */
export async function loginThroughForm(page: Page, role: Role) {
  await page.goto("/login");
  await page.getByLabel("Email").fill(DEMO_EMAILS[role]);
  await page.getByLabel("Password").fill(DEMO_PASSWORD);
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("navigation", { name: "Main" })).toBeVisible();
}

/** The e2e server's database URLs, for assertions straight on the data. */
export function e2eDatabaseUrls(): { controlUrl: string; sourceUrl: string; targetUrl: string } {
  return JSON.parse(readFileSync(path.resolve(".data/e2e/urls.json"), "utf8"));
}

export const test = base;
export { expect };
