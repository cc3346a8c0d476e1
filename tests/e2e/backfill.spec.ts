import { expect, loginAs, test } from "./fixtures";

// The demo's "Oceania schools" cohort is in dual_write: its users' previous rows are not all on the target, so
// the backfilled gate keeps it out of shadow_read until a backfill of its tables has converged.
test("an engineer backfills a cohort from its page, watches it converge, then moves it to shadow_read", async ({ page }) => {
  test.setTimeout(300_000);
  await loginAs(page, "engineer");
  await page.goto("/cohorts");
  await page.getByRole("link", { name: "Oceania schools" }).first().click();
  const data = page.getByRole("table", { name: "Cohort data state" });
  await expect(data).toBeVisible();
  await expect(data.getByText("not copied").first()).toBeVisible();

  // the gate is closed before the backfill
  await page.getByLabel("Mode").selectOption("shadow_read");
  await page.getByLabel("Reason", { exact: true }).fill("e2e: read from the target");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText(/Cohort data backfilled: not converged on the target for this cohort/)).toBeVisible();

  await page.getByLabel("Why backfill this cohort").fill("e2e: Oceania to shadow read");
  await page.getByRole("button", { name: "Backfill this cohort" }).click();
  await expect(page.getByText(/Backfill started for \d+ table\(s\)/)).toBeVisible();

  // follow one table's job: its progress bar and rounds
  await page.getByRole("table", { name: "Cohort data state" }).getByRole("link").first().click();
  await expect(page).toHaveURL(/\/backfills\/[0-9a-f-]{36}$/);
  await expect(page.getByRole("progressbar", { name: "Copy progress" })).toBeVisible();
  await expect(page.getByText("converged", { exact: true }).first()).toBeVisible({ timeout: 180_000 });
  await expect(page.getByRole("progressbar", { name: "Copy progress" })).toHaveAttribute("aria-valuenow", "100");
  await expect(page.getByRole("table", { name: "Converge rounds" })).toBeVisible();

  // every table of the cohort converges (the page is re-read until none is left)
  await page.goBack();
  await expect(async () => {
    await page.reload();
    const states = await page.getByRole("table", { name: "Cohort data state" }).locator("tbody tr td:last-child").allInnerTexts();
    expect(states.length).toBeGreaterThan(0);
    expect(states.every((s) => s.startsWith("converged at"))).toBe(true);
  }).toPass({ timeout: 240_000, intervals: [2_000] });

  await page.getByLabel("Mode").selectOption("shadow_read");
  await page.getByLabel("Reason", { exact: true }).fill("e2e: the cohort's data converged on the target");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("The new ruleset version is live.")).toBeVisible();
  await expect(page.getByText(/Shadow read · /)).toBeVisible();
});
