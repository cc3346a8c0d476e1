import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

// What the CTO, support and engineers see, journey by journey, on the demo.

test("a viewer finds Users in the menu and looks a user up, read-only", async ({ page }) => {
  await loginAs(page, "viewer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Users" }).click();
  await page.getByLabel("User id or email").fill("u_000042");
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByRole("heading", { name: "User u_000042" })).toBeVisible();
  await expect(page.getByTestId("user-mode")).not.toBeEmpty();
  await expect(page.getByText("Read-only: engineers pin and unpin.")).toBeVisible();
  await expect(page.getByRole("button", { name: "Pin" })).toHaveCount(0);
});

test("support looks a user up by email, and an unknown id is said to be unknown first", async ({ page }) => {
  const sql = postgres(e2eDatabaseUrls().sourceUrl, { max: 1 });
  const [user] = await sql`select id, email from users where id = 'u_000077'`;
  await sql.end();
  await loginAs(page, "support");
  await page.goto("/users");
  await page.getByLabel("User id or email").fill(user.email.toUpperCase());
  await page.getByRole("button", { name: "Look up" }).click();
  await expect(page.getByRole("heading", { name: "User u_000077" })).toBeVisible();
  await expect(page.getByText(`Found by email ${user.email.toUpperCase()}`)).toBeVisible();

  await page.getByLabel("User id or email").fill("u_999999999");
  await page.getByRole("button", { name: "Look up" }).click();
  const unknown = page.getByRole("alert").filter({ hasText: "Unknown user." });
  await expect(unknown).toBeVisible();
  await expect(unknown).toContainText("The API would still answer for this id");
  await expect(page.getByRole("heading", { name: "What the rules say for id u_999999999" })).toBeVisible();
});

test("an engineer pages forward and back through triage", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/mismatches?limit=5");
  const first = await page.getByRole("checkbox", { name: /^Select mismatch \d+$/ }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
  expect(first).toHaveLength(5);
  const pages = page.getByRole("navigation", { name: "Pages" });
  await pages.getByRole("link", { name: "Next page" }).click();
  await expect(pages.getByRole("link", { name: "Previous page" })).toBeVisible();
  const second = await page.getByRole("checkbox", { name: /^Select mismatch \d+$/ }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label")));
  expect(second).toHaveLength(5);
  expect(second.filter((s) => first.includes(s))).toEqual([]);
  await pages.getByRole("link", { name: "Next page" }).click();
  await expect(page).toHaveURL(/cursor=/);
  await pages.getByRole("link", { name: "Previous page" }).click();
  await expect(page).toHaveURL(/back=1/);
  await expect
    .poll(() => page.getByRole("checkbox", { name: /^Select mismatch \d+$/ }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label"))))
    .toEqual(second);
  await pages.getByRole("link", { name: "Previous page" }).click();
  await expect
    .poll(() => page.getByRole("checkbox", { name: /^Select mismatch \d+$/ }).evaluateAll((els) => els.map((e) => e.getAttribute("aria-label"))))
    .toEqual(first);
  await expect(pages.getByRole("link", { name: "Previous page" })).toHaveCount(0);
});

test("the audit log shows a note-only triage update as a note, and the note form is emptied", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/mismatches?limit=1");
  const label = await page
    .getByRole("checkbox", { name: /^Select mismatch \d+$/ })
    .first()
    .getAttribute("aria-label");
  const id = /\d+/.exec(label ?? "")![0];
  await page.goto(`/mismatches/${id}`);
  const note = `e2e note ${Date.now()}: the timestamps differ below a millisecond`;
  await page.getByLabel("Add a note", { exact: true }).fill(note);
  await page.getByRole("button", { name: "Save", exact: true }).click();
  await expect(page.getByText(note).first()).toBeVisible();
  await expect(page.getByLabel("Add a note", { exact: true })).toHaveValue("");
  await page.goto(`/audit?entityType=mismatch&entityId=${id}`);
  const row = page.getByRole("row").filter({ hasText: note });
  await expect(row).toContainText("note:");
  await expect(row).not.toContainText("status:");
  await expect(row).not.toContainText("null");
});

test("a cancelled job shows no live rate or ETA", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/reconciliations");
  const table = page.getByLabel("Table");
  const usersOption = table.locator("option").filter({ hasText: /(^|\.)users$/ });
  await table.selectOption((await usersOption.first().getAttribute("value")) as string);
  // One row a second keeps the job running long enough to cancel it.
  await page.getByLabel("Rows per second cap").fill("1");
  await page.getByLabel("Reason").fill("e2e: cancel a slow verify");
  await page.getByRole("button", { name: "Start verify job" }).click();
  await expect(page).toHaveURL(/\/reconciliations\/[^/]+$/);
  await page.getByRole("button", { name: "Cancel job" }).click();
  await expect(page.getByText("cancelled").first()).toBeVisible({ timeout: 60_000 });
  await expect(page.getByText("not running (cancelled)")).toBeVisible();
  await expect(page.getByText(/rows\/s/)).toHaveCount(0);
});

test("the favicon is served without a login redirect, and a page loads without console errors", async ({ page, request }) => {
  const icon = await request.get("/favicon.ico", { maxRedirects: 0 });
  expect(icon.status()).toBe(200);
  expect(icon.headers()["content-type"]).toContain("image/svg+xml");
  const errors: string[] = [];
  page.on("console", (m) => (m.type() === "error" ? errors.push(m.text()) : undefined));
  await loginAs(page, "support");
  await page.goto("/users");
  await expect(page.getByLabel("User id or email")).toBeVisible();
  expect(errors).toEqual([]);
});
