import { expect, loginAs, loginThroughForm, test, DEMO_EMAILS } from "./fixtures";

test("an anonymous visitor is sent to the login page", async ({ page }) => {
  await page.goto("/cohorts");
  await expect(page).toHaveURL(/\/login\?redirectTo=%2Fcohorts/);
  await expect(page.getByRole("button", { name: "Sign in" })).toBeVisible();
});

test("a wrong password shows an error and creates no session", async ({ page, context }) => {
  await page.goto("/login");
  await page.getByLabel("Email").fill(DEMO_EMAILS.admin);
  await page.getByLabel("Password").fill("not-the-password");
  await page.getByRole("button", { name: "Sign in" }).click();
  await expect(page.getByRole("alert")).toHaveText("Wrong email or password.");
  expect((await context.cookies()).find((c) => c.name === "__cutover")).toBeUndefined();
  await page.goto("/");
  await expect(page).toHaveURL(/\/login$/);
});

for (const role of ["viewer", "support", "engineer", "admin"] as const) {
  // The one journey through the real login form; every other test signs in by session cookie.
  test(`${role} signs in and sees the dashboard`, async ({ page }) => {
    await loginThroughForm(page, role);
    await expect(page.getByRole("heading", { name: "Overview" })).toBeVisible();
    await expect(page.getByText(DEMO_EMAILS[role])).toBeVisible();
    await page.getByRole("link", { name: "Audit" }).click();
    await expect(page.getByRole("heading", { name: "Audit log" })).toBeVisible();
    await page.getByRole("link", { name: "Settings" }).click();
    if (role === "admin") {
      await expect(page.getByRole("heading", { name: "API tokens" })).toBeVisible();
    } else {
      await expect(page.getByText("Users and API tokens are managed by admins.")).toBeVisible();
    }
  });
}

test("support gets 403 when it posts an admin action anyway", async ({ page }) => {
  await loginAs(page, "support");
  const response = await page.request.post("/settings?_data=routes%2Fsettings._index", {
    // Sent from Cutover's own origin, as the page would: the 403 is the role check's, not the CSRF check's.
    headers: { Origin: new URL(page.url()).origin },
    form: { intent: "create-token", name: "not-allowed", scopes: "metrics:read" },
  });
  expect(response.status()).toBe(403);
});

test("the overview says the target is not CockroachDB", async ({ page }) => {
  await loginAs(page, "viewer");
  await expect(page.getByText("The target is not CockroachDB.")).toBeVisible();
});

test("an admin creates an API token, sees it once, and the audit log shows it", async ({ page }) => {
  await loginAs(page, "admin");
  await page.goto("/settings");
  await page.getByLabel("Token name").fill("e2e-app-servers");
  await page.getByLabel("assignments:read").check();
  await page.getByRole("button", { name: "Create token" }).click();
  await expect(page.getByLabel("New token")).toHaveText(/^cut_/);
  await page.goto("/audit?action=api_token.create");
  await expect(page.getByRole("cell", { name: "api_token.create" }).first()).toBeVisible();
  await expect(page.getByText("e2e-app-servers").first()).toBeVisible();
});
