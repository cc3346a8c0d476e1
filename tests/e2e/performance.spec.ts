import { expect, loginAs, test, DEMO_TOKEN } from "./fixtures";

// Bucket layout of app/latency/histogram.ts: 22 bounds (ms) and one overflow bucket.
const BOUNDS_MS = [0.1, 0.25, 0.5, 1, 2, 3, 5, 7.5, 10, 15, 25, 50, 75, 100, 150, 250, 500, 750, 1000, 2500, 5000, 10000];

function timings(table: string, operation: string, side: "source" | "target", ms: number, count: number) {
  const buckets = new Array(BOUNDS_MS.length + 1).fill(0);
  buckets[BOUNDS_MS.findIndex((b) => ms <= b)] = count;
  const windowStart = new Date(Math.floor(Date.now() / 60_000) * 60_000).toISOString();
  return { cohort: null, table, operation, side, windowStart, count, errors: 0, sumMs: ms * count, buckets };
}

test("an engineer reads the Performance page and finds the slowest operation on the target", async ({ page }) => {
  const run = Date.now().toString(36);
  const slow = `export grades ${run}`;
  const fast = `lookup grade ${run}`;
  // What application servers' clients report beside their comparison counts, through the real API.
  const response = await page.request.post("/api/v1/mismatches", {
    headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    data: {
      mismatches: [],
      comparisons: [],
      latencies: [
        timings("e2e_grades", slow, "source", 4, 300),
        timings("e2e_grades", slow, "target", 900, 300),
        timings("e2e_grades", fast, "source", 2, 300),
        timings("e2e_grades", fast, "target", 2.5, 300),
      ],
    },
  });
  expect(response.status()).toBe(202);

  await loginAs(page, "engineer");
  await page.getByRole("navigation", { name: "Main" }).getByRole("link", { name: "Performance" }).click();
  await expect(page.getByRole("heading", { name: "Performance", level: 1 })).toBeVisible();
  const table = page.getByRole("table", { name: "Operations, target slowest first" });
  // The slowest operation on the target against its source comes first, with both sides' p99.
  const first = table.locator("tbody tr").first();
  await expect(first).toContainText(slow);
  await expect(first).toContainText("e2e_grades");
  await expect(first.getByRole("cell").nth(2)).toHaveText(/^\d+x$/);
  const fastRow = table.locator("tbody tr", { hasText: fast });
  await expect(fastRow).toBeVisible();
  // The demo's own timed traffic (db/seed/demo-latency.ts) is listed beside the reported operations.
  await expect(table.locator("tbody tr", { hasText: "select document by id" })).toBeVisible();

  // Its chart: source and target over time.
  await first.getByRole("link", { name: slow }).click();
  await expect(page.getByRole("region", { name: `p99 and p50 over time: e2e_grades · ${slow}` })).toBeVisible();
  await expect(page).toHaveURL(/operation=/);
});
