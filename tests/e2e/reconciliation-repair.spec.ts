import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

// A table of its own on both sides (the demo's tables stay as other journeys expect them), dropped afterwards.
const TABLE = "e2e_repair_rooms";
const urls = e2eDatabaseUrls();
const source = postgres(urls.sourceUrl, { max: 1, onnotice: () => {} });
const target = postgres(urls.targetUrl, { max: 1, onnotice: () => {} });

test.beforeAll(async () => {
  for (const db of [source, target]) {
    await db.unsafe(`drop table if exists ${TABLE}; create table ${TABLE} (id int primary key, name text);
      insert into ${TABLE} select g, 'room ' || g from generate_series(1, 50) g`);
  }
  await target.unsafe(`update ${TABLE} set name = 'renamed' where id = 7; delete from ${TABLE} where id = 8`);
});

test.afterAll(async () => {
  for (const db of [source, target]) await db.unsafe(`drop table if exists ${TABLE}`);
  await Promise.all([source.end(), target.end()]);
});

test("an engineer verifies a table, reviews the repair dry run, confirms it and sees the target repaired", async ({ page }) => {
  await loginAs(page, "engineer");
  await page.goto("/reconciliations");
  await page.getByLabel("Table").selectOption(`public.${TABLE}`);
  await page.getByLabel("Reason").fill("e2e: repair journey");
  await page.getByRole("button", { name: "Start verify job" }).click();
  await expect(page.getByText("succeeded").first()).toBeVisible({ timeout: 60_000 });

  await page.getByRole("button", { name: "Plan repair" }).click();
  const plan = page.getByRole("table", { name: "Repair plan" });
  await expect(plan.getByRole("row")).toHaveCount(3);
  await expect(plan.getByRole("row").filter({ hasText: '"id":"7"' })).toContainText("name = room 7");
  await expect(plan.getByRole("row").filter({ hasText: '"id":"8"' })).toContainText("insert");
  // the dry run wrote nothing
  expect(await target.unsafe(`select name from ${TABLE} where id = 7`)).toEqual([{ name: "renamed" }]);

  await page.getByLabel("I have reviewed this dry run").check();
  await page.getByLabel("Reason", { exact: true }).last().fill("e2e: rooms drifted");
  await page.getByRole("button", { name: "Apply repair" }).click();
  await expect(page.getByText("Repair applied: 2 changes on the target")).toBeVisible();
  expect(await target.unsafe(`select id, name from ${TABLE} where id in (7, 8) order by id`)).toEqual([
    { id: 7, name: "room 7" },
    { id: 8, name: "room 8" },
  ]);
});
