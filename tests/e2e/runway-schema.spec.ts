import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

// The demo no longer seeds drawn XID history, so the planner has no measured rate for its date on a fresh e2e server; not yet fixed.
test.fixme("the CTO reads the date by which half the writes must be on target_only", async ({ page }) => {
  await loginAs(page, "viewer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runway" }).click();
  await expect(page.getByRole("heading", { name: "Runway planner" })).toBeVisible();
  const stat = page.getByText("50% of writes on target_only by").locator("..");
  await expect(stat).toContainText(/\d{4}-\d{2}-\d{2}|done|too late/);
  await expect(page.getByText(/Rests on: XID rate [\d,]+\/s measured over the last \d+ h/)).toBeVisible();
  // a viewer may look at a what-if but not save one
  await expect(page.getByRole("button", { name: "Save as proposal" })).toHaveCount(0);
});

test("an engineer finds the schema drift that blocks a cohort", async ({ page }) => {
  const source = postgres(e2eDatabaseUrls().sourceUrl, { max: 1, onnotice: () => {} });
  try {
    // a source migration the target has not had
    await source`alter table users add column nickname text`;
    await loginAs(page, "engineer");
    await page.goto("/schema");
    await page.getByRole("button", { name: "Compare now" }).click();
    const card = page.getByRole("region", { name: "public.users" });
    await expect(card).toContainText("column nickname (text) is missing on the target");
    await expect(card).toContainText(/Blocks .+ from moving forward: the cohort writes this table\./);
    await expect(card.getByLabel("Fix on the target for nickname")).toHaveText('ALTER TABLE "public"."users" ADD COLUMN "nickname" STRING;');
  } finally {
    await source`alter table users drop column if exists nickname`;
    await source.end();
    await page.goto("/schema");
    await page.getByRole("button", { name: "Compare now" }).click();
    await expect(page.getByRole("region", { name: "public.users" })).toHaveCount(0);
  }
});
