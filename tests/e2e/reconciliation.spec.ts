import { expect, loginAs, test } from "./fixtures";

// The demo's users table differs on the target in exactly two rows (an email and an is_active flag).
test("an engineer starts a verify job, watches it reach 100% and opens a mismatch it found", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/reconciliations");
  const table = page.getByLabel("Table");
  const usersOption = table.locator("option").filter({ hasText: /(^|\.)users$/ });
  await table.selectOption((await usersOption.first().getAttribute("value")) as string);
  await page.getByLabel("Reason").fill("e2e: prove the users table before the next cohort");
  await page.getByRole("button", { name: "Start verify job" }).click();

  await expect(page).toHaveURL(/\/reconciliations\/[^/]+$/);
  const progress = page.getByRole("progressbar", { name: "Reconciliation progress" });
  await expect(progress).toHaveAttribute("aria-valuenow", "100", { timeout: 120_000 });
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 30_000 });

  await page.getByRole("link", { name: /Open the (mismatch|[\d,]+ mismatches) in the triage table/ }).click();
  // the triage page's loader is the heaviest of the suite: give it the time a loaded CI machine needs
  await expect(page).toHaveURL(/job=/, { timeout: 30_000 });
  const firstRecord = page.getByRole("row").filter({ hasText: "users" }).getByRole("link").first();
  await firstRecord.click();
  await expect(page.getByRole("heading", { name: /^Mismatch #\d+$/ })).toBeVisible();
  await expect(page.getByText("reconciliation", { exact: false }).first()).toBeVisible();
  await expect(page.locator('[data-differs="true"]').first()).toBeVisible();
});
