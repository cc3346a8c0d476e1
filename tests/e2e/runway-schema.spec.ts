import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

test("the CTO reads the date by which half the writes must be on target_only", async ({ page }) => {
  test.setTimeout(120_000);
  await loginAs(page, "viewer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Runway" }).click();
  await expect(page.getByRole("heading", { name: "Runway planner" })).toBeVisible();
  // A fresh server's worker takes its first two samples 30 s apart: the measured rate (and so the date) follows.
  // Its readings cover less than 12 h, so the planner forecasts from the Wraparound page's rate: one runway.
  await expect(async () => {
    await page.reload();
    await expect(page.getByText("50% of writes on target_only by").locator("..")).toContainText(/\d{4}-\d{2}-\d{2}|done|too late/, { timeout: 1_000 });
    await expect(page.getByText(/Rests on: XID rate [\d,.]+\/s \([\d.]+[kMB]? a day\) smoothed over 15 min, as on the Wraparound page/)).toBeVisible({
      timeout: 1_000,
    });
  }).toPass({ intervals: [2_000, 5_000], timeout: 80_000 });
  // disk use over time rests on the same fitted trend as the Capacity page
  await expect(page.getByText("Projected disk use of the source")).toBeVisible();
  await expect(page.getByText(/Rests on: database size [\d.]+ \w+, growing [\d.]+ \w+ a day/)).toBeVisible();
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
