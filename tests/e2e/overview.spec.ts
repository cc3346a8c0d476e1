import type { Page } from "@playwright/test";
import { expect, loginAs, test } from "./fixtures";

const RUNGS = ["Source only", "Dual write", "Shadow read", "Target primary", "Target only"];

/** Users per rung as the Overview's table prints them. */
async function overviewCounts(page: Page): Promise<string[]> {
  const table = page.getByRole("table", { name: "Users per rung" });
  await expect(table).toBeVisible();
  return Promise.all(
    RUNGS.map(async (rung, i) => (await table.getByRole("row", { name: new RegExp(`${i + 1}\\. ${rung}`) }).innerText()).replace(/\s+/g, " ")),
  );
}

test("a viewer reads the users on each rung on the Overview, and Cohorts shows the same figures", async ({ page }) => {
  await loginAs(page, "viewer");
  await page.goto("/");
  const rows = await overviewCounts(page);
  await expect(page.getByRole("table", { name: "Users per rung" }).locator("xpath=..")).toContainText("exact");

  await page.goto("/cohorts");
  const ladder = page.getByRole("list", { name: "Migration ladder" });
  for (const [i, rung] of RUNGS.entries()) {
    // Overview row: "2. Dual write 2,103 10.52%"; the ladder: "2. Dual write 10.52% · 2,103 users".
    const [, users, share] = rows[i].match(/ ([\d,]+) ([\d.]+%)$/) ?? [];
    expect(users, `a count for ${rung}`).toBeTruthy();
    await expect(ladder.getByRole("listitem").nth(i)).toContainText(`${share} · ${users} users`);
  }
  // Every rung past the first has a projection that says what would move it.
  await page.goto("/");
  await expect(page.getByRole("list", { name: "Projected completion per rung" }).getByRole("listitem").filter({ hasText: "or beyond" })).toHaveCount(4);
});

test("the emergency switch shows on the Overview and every page while it is on", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/cohorts");
  const switchCard = page.getByRole("region", { name: "Emergency switch" });
  await switchCard.getByLabel("Mode for everyone").selectOption("source_only");
  await switchCard.getByLabel("Reason").fill("target failover drill");
  await switchCard.getByLabel("I confirm: everyone moves now").check();
  await switchCard.getByRole("button", { name: "Pull the emergency switch" }).click();
  try {
    const banner = page.getByRole("alert", { name: "Emergency switch" });
    await expect(banner).toContainText("everyone is on Source only");
    for (const path of ["/", "/wraparound", "/mismatches"]) {
      await page.goto(path);
      await expect(banner).toContainText("target failover drill");
    }
    // The Overview's counts say where users actually are: all on the first rung.
    await page.goto("/");
    await expect(page.getByRole("table", { name: "Users per rung" }).getByRole("row", { name: /1\. Source only/ })).toContainText("100.00%");
  } finally {
    await page.goto("/cohorts");
    await page.getByLabel("Reason for clearing").fill("drill over");
    await page.getByRole("button", { name: "Clear the emergency switch" }).click();
  }
  await expect(page.getByRole("alert", { name: "Emergency switch" })).toHaveCount(0);
  await page.goto("/");
  await expect(page.getByRole("alert", { name: "Emergency switch" })).toHaveCount(0);
});

test("capacity runway is unknown until the disk size is set on Capacity, on both pages; Wraparound shows its horizons", async ({ page }) => {
  await loginAs(page, "engineer");
  const capacityStat = () => page.getByText("Capacity runway", { exact: true }).locator("xpath=..");
  const runway = page.getByText("Runway to the disk size", { exact: true }).locator("xpath=..");
  const saveDiskSize = async (gib: string, reason: string) => {
    await page.getByLabel("Source disk size (GiB)").fill(gib);
    await page.getByLabel("Reason (audit log)").fill(reason);
    await page.getByRole("button", { name: "Save disk size" }).click();
  };
  // The demo assumes a disk size (4x its database): take it away first, and put it back at the end.
  await page.goto("/capacity");
  const demoSize = await page.getByLabel("Source disk size (GiB)").inputValue();
  await saveDiskSize("", "what the pages say without a disk size");
  await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  try {
    await expect(runway).toContainText("unknown");
    await page.goto("/");
    await expect(capacityStat()).toContainText("unknown until the disk size is set on the Capacity page");

    await page.goto("/capacity");
    await saveDiskSize("-3", "volume size from the cloud console");
    await expect(page.getByText(/a size in GiB greater than 0/)).toBeVisible();
    await saveDiskSize("500", "volume size from the cloud console");
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
    await expect(runway).not.toContainText("unknown");
    await expect(runway).toContainText("disk 500");
    await page.goto("/");
    await expect(capacityStat()).not.toContainText("unknown until the disk size");
  } finally {
    await page.goto("/capacity");
    await saveDiskSize(demoSize, "back to the demo's assumed size");
    await expect(page.getByRole("status").filter({ hasText: "Saved." })).toBeVisible();
  }

  await page.goto("/wraparound");
  // The seed draws no age history: the live ages are all there is, and the horizons come from them.
  const databases = page.getByRole("region", { name: "Databases" });
  await expect(databases).toContainText("forced autovacuum in");
  await expect(databases).toContainText("writes stop in");
  // System catalogs are folded under one line, closed until asked for.
  const oldest = page.getByRole("region", { name: "Oldest tables" });
  await expect(oldest.getByRole("table", { name: "Oldest system catalog tables" })).toBeHidden();
  await expect(oldest.getByText(/system catalog tables? \(oldest/)).toBeVisible();
});

test("the demo traffic card does not say running when no simulator process reports traffic", async ({ page }) => {
  // The e2e server runs no simulator: the switch row alone says "running".
  await loginAs(page, "engineer");
  await page.goto("/");
  const card = page.getByRole("region", { name: "Demo traffic (simulated users)" });
  await expect(card).toContainText("switched on · no traffic");
  await expect(card).toContainText("no simulator process has reported traffic for three minutes");
  await expect(card).not.toContainText(/running · \d+ op\/s/);
});
