import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test } from "./fixtures";

test("the Wraparound page lists a transaction held open on the source once it holds back a meaningful age", async ({ page }) => {
  // The worker's health cycle runs every 30 s (pg-boss cron ticks once a minute): allow a few cycles.
  test.setTimeout(240_000);
  // Two connections: the reserved holder, and one that burns XIDs behind it.
  const sql = postgres(e2eDatabaseUrls().sourceUrl, { max: 2, onnotice: () => {} });
  const holder = await sql.reserve();
  try {
    // Burn only once the collector knows the XID rate (two readings). A first rate measured across the burn would be
    // the burn's own tens of thousands of XIDs a second, unsmoothed: hours of runway, which closes the XID runway gate
    // for the journeys after this one for half an hour. Smoothed into a known rate it costs a few days of runway.
    await loginAs(page, "viewer");
    await expect(async () => {
      await page.goto("/wraparound");
      await expect(page.getByText("needs two readings")).toHaveCount(0, { timeout: 1_000 });
      await expect(page.getByText(/per day$/).first()).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 90_000, intervals: [2_000] });

    await holder`begin`;
    const [{ pid }] = await holder<{ pid: number }[]>`select pg_backend_pid() as pid, pg_current_xact_id()`;
    // Real XIDs consumed behind it, so it holds back a meaningful age: 1% of the default forced-autovacuum age
    // (200 M) at most, whatever the XID rate (which this burn itself raises). One subtransaction per XID is
    // seconds for 2.1 M where a commit per XID took minutes.
    await sql.unsafe(`
      create temp table if not exists xid_burn (x int);
      do $$ begin
        for i in 1..2100000 loop
          begin insert into xid_burn values (1); exception when others then null; end;
        end loop;
      end $$;
      drop table xid_burn;`);
    await page.goto("/wraparound");
    await expect(page.getByRole("heading", { name: "Wraparound" })).toBeVisible();
    const row = page.getByRole("table", { name: "Blockers" }).getByRole("row", { name: new RegExp(`backend ${pid}\\b`) });
    await expect(async () => {
      await page.reload();
      await expect(row).toBeVisible({ timeout: 1_000 });
    }).toPass({ timeout: 200_000, intervals: [5_000] });
    await expect(row).toContainText("idle in transaction");
    await expect(row).toContainText(`pg_terminate_backend(${pid})`);
    await expect(row.getByRole("cell").nth(2)).not.toHaveText(/unknown/);
  } finally {
    await holder`rollback`.catch(() => {});
    holder.release();
    await sql.end({ timeout: 5 });
  }
});
