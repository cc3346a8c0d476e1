import { test as base, expect, type Page } from "@playwright/test";
import { readFileSync } from "node:fs";
import path from "node:path";

export type Role = "viewer" | "support" | "engineer" | "admin";

export const DEMO_EMAILS: Record<Role, string> = {
  viewer: "cto@demo.local",
  support: "support@demo.local",
  engineer: "engineer@demo.local",
  admin: "admin@demo.local",
};
export const DEMO_PASSWORD = "cutover-demo";
export const DEMO_TOKEN = "cutover-demo-token";

/** Signs in through the real login form (the session cookie then lives in the page's context). */
export async function loginAs(page: Page, role: Role) {
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
