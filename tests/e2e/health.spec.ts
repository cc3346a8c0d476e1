import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

test("the Wraparound page shows a transaction the test holds open on the source as a blocker", async ({ page }) => {
  // The worker's health cycle runs every 30 s (pg-boss cron ticks once a minute): allow a few cycles.
  test.setTimeout(240_000);
  const sql = postgres(e2eDatabaseUrls().sourceUrl, { max: 1, onnotice: () => {} });
  const holder = await sql.reserve();
  try {
    await holder`begin`;
    const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid, pg_current_xact_id()`;
    await loginAs(page, "viewer");
    await page.goto("/wraparound");
    await expect(page.getByRole("heading", { name: "Wraparound" })).toBeVisible();
    const row = page.getByRole("table", { name: "Blockers" }).getByRole("row", { name: new RegExp(`backend ${pid}\\b`) });
    await expect(async () => {
      await page.reload();
      await expect(row).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 200_000, intervals: [5_000] });
    await expect(row).toContainText("idle in transaction");
    await expect(row).toContainText(`pg_terminate_backend(${pid})`);
  } finally {
    await holder`rollback`.catch(() => {});
    holder.release();
    await sql.end({ timeout: 5 });
  }
});
