import { createHash } from "node:crypto";
import postgres from "postgres";
import { e2eDatabaseUrls, expect, loginAs, test, DEMO_TOKEN } from "./fixtures";

// One mismatch sent through the real ingestion API, then triaged in the browser.
async function ingestOne(request: import("@playwright/test").APIRequestContext, table: string) {
  const key = `e2e-${Date.now()}-${Math.random().toString(36).slice(2, 8)}`;
  const response = await request.post("/api/v1/mismatches", {
    headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
    data: {
      mismatches: [
        {
          origin: "shadow_read",
          kind: "value_mismatch",
          table,
          primaryKey: { id: key },
          userId: "u_000042",
          sourceValue: { id: key, title: "Fractions worksheet", updated_at: "2024-03-01T10:00:00.123456Z" },
          targetValue: { id: key, title: "Fractions worksheet (v2)", updated_at: "2024-03-01T10:00:00.123456Z" },
          detectedAt: new Date().toISOString(),
        },
      ],
    },
  });
  expect(response.status()).toBe(202);
  // 202: staged; the e2e server's worker folds it into the records right after (NOTIFY). Wait for that.
  const sql = postgres(e2eDatabaseUrls().controlUrl, { max: 1, onnotice: () => {} });
  try {
    await expect.poll(async () => (await sql`select count(*)::int as n from mismatches where primary_key->>'id' = ${key}`)[0].n).toBe(1);
  } finally {
    await sql.end();
  }
  return key;
}

test("an engineer filters to a table, opens a mismatch, sees the differing field and marks it investigating with a note", async ({ page }) => {
  const key = await ingestOne(page.request, "e2e_documents");
  await loginAs(page, "engineer");
  await page.goto("/mismatches");
  await page.getByLabel("Table").selectOption("e2e_documents");
  await page.getByRole("button", { name: "Apply filters" }).click();
  await expect(page).toHaveURL(/table=e2e_documents/);
  const row = page.getByRole("row").filter({ hasText: key });
  await expect(row).toBeVisible();
  await row.getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: /^Mismatch #\d+$/ })).toBeVisible();
  await expect(page.getByRole("row", { name: "title differs" })).toBeVisible();
  await expect(page.locator('[data-differs="true"]')).toHaveCount(1);

  await page.getByLabel("Status").selectOption("investigating");
  await page.getByRole("textbox", { name: "Note" }).fill("e2e: title drift from the v2 editor");
  await page.getByRole("button", { name: "Save" }).click();
  await expect(page.getByText("e2e: title drift from the v2 editor", { exact: true }).first()).toBeVisible();
  await expect(page.getByText("investigating", { exact: true }).first()).toBeVisible();

  await page.goto("/audit?entityType=mismatch");
  await expect(page.getByRole("cell", { name: "engineer@demo.local" }).first()).toBeVisible();
  await expect(page.getByText(/investigating/).first()).toBeVisible();
});

test("support can view a mismatch but not change its status", async ({ page }) => {
  const key = await ingestOne(page.request, "e2e_comments");
  await loginAs(page, "support");
  await page.goto("/mismatches?table=e2e_comments");
  const row = page.getByRole("row").filter({ hasText: key });
  await row.getByRole("link").first().click();
  await expect(page.getByRole("heading", { name: /^Mismatch #\d+$/ })).toBeVisible();
  await expect(page.getByRole("row", { name: "title differs" })).toBeVisible();
  await expect(page.getByLabel("Status")).toHaveCount(0);
  const path = new URL(page.url()).pathname;
  const response = await page.request.post(`${path}?_data=${encodeURIComponent("routes/mismatches.$mismatchId")}`, {
    headers: { Origin: new URL(page.url()).origin },
    form: { intent: "update", status: "resolved", note: "" },
  });
  expect(response.status()).toBe(403);
});

test("an engineer sees a batch the database refused, and retries it once the cause is fixed", async ({ page }) => {
  const key = `e2e-aside-${Date.now()}`;
  const sql = postgres(e2eDatabaseUrls().controlUrl, { max: 1, onnotice: () => {} });
  try {
    // A staged batch whose one record is seen zero times: it passes COPY and breaks the records' check constraint,
    // as a batch the API let through and PostgreSQL refuses would. The e2e server's worker folds it and sets it aside.
    const at = new Date().toISOString();
    const line = [
      createHash("sha1").update(key).digest("hex"),
      createHash("sha1").update("e2e_set_aside").digest("hex"),
      "shadow_read",
      "value_mismatch",
      "e2e_set_aside",
      JSON.stringify({ id: key }),
      "\\N",
      "\\N",
      "\\N",
      JSON.stringify({ id: key, v: 1 }),
      JSON.stringify({ id: key, v: 2 }),
      "v",
      "\\N",
      "\\N",
      "0",
      at,
      at,
      "0",
      "0",
      "0", // seen 0 times, by no origin
    ].join("\t");
    const [{ id }] = await sql`
      with staged as (insert into mismatch_inbox (records, comparisons, record_count) values (${line + "\n"}, '[]', 1) returning id)
      select id::int, pg_notify('mismatch_inbox', '') from staged`;
    await expect.poll(async () => (await sql`select count(*)::int as n from mismatch_inbox_set_aside where id = ${id}`)[0].n).toBe(1);

    await loginAs(page, "engineer");
    await page.goto("/mismatches");
    const aside = page.getByRole("region", { name: /could not be folded and is set aside/ });
    await expect(aside).toBeVisible();
    await expect(aside.getByText(/mismatches_occurrences_positive/)).toBeVisible();
    // An engineer can retry but not discard.
    await expect(aside.getByText("Discard…")).toHaveCount(0);

    await sql`update mismatch_inbox_set_aside set records = replace(records, ${"\t0\t"}, ${"\t1\t"}) where id = ${id}`;
    await aside.getByRole("button", { name: `Retry batch ${id}` }).click();
    await expect(page.getByText(`Batch ${id} is back in the inbox and will be folded shortly.`)).toBeVisible();
    await expect.poll(async () => (await sql`select count(*)::int as n from mismatches where primary_key->>'id' = ${key}`)[0].n).toBe(1);
    await page.goto("/mismatches?table=e2e_set_aside");
    await expect(page.getByRole("row").filter({ hasText: key })).toBeVisible();
    await expect(page.getByRole("region", { name: /could not be folded/ })).toHaveCount(0);

    await page.goto("/audit?entityType=mismatch_batch");
    await expect(page.getByRole("cell", { name: "mismatch_batch.retry" })).toBeVisible();
    await expect(page.getByRole("cell", { name: "engineer@demo.local" }).first()).toBeVisible();
  } finally {
    await sql.end();
  }
});

test("the CTO sees open mismatches and each cohort against its budget on the Overview, and follows a top offender to triage", async ({ page }) => {
  await loginAs(page, "viewer");
  await page.goto("/");
  const card = page.getByRole("region", { name: "Mismatches" });
  await expect(card.getByText("Open", { exact: true })).toBeVisible();
  for (const cohort of ["Internal staff", "Oceania schools", "Everyone"]) await expect(card.getByRole("link", { name: cohort })).toBeVisible();
  await expect(card.getByRole("img", { name: "Mismatch occurrences per hour over the last 24 hours" })).toBeVisible();
  // The demo's worst offender: documents whose updated_at a client cut to milliseconds.
  const top = card.getByRole("row").first();
  await expect(top).toContainText("updated_at");
  await top.getByRole("link", { name: "documents" }).click();
  await expect(page).toHaveURL(/\/mismatches\?table=documents&kind=value_mismatch&field=updated_at/);
  await expect(page.getByRole("row").filter({ hasText: "updated_at" }).first()).toBeVisible();
});

test.describe("on a 1,440 px screen", () => {
  test.use({ viewport: { width: 1440, height: 900 } });

  test("the triage table shows User, Assignee and Last seen whole, without scrolling sideways", async ({ page }) => {
    // A record as wide as the demo's worst: a composite key of two uuids, many long differing columns, a uuid user.
    const id = crypto.randomUUID();
    const wide = { school_id: crypto.randomUUID(), document_id: id };
    const columns = ["annotation_body_markdown", "last_edited_by_teacher_id", "submission_deadline_at", "rubric_configuration_json"];
    const response = await page.request.post("/api/v1/mismatches", {
      headers: { Authorization: `Bearer ${DEMO_TOKEN}` },
      data: {
        mismatches: [
          {
            origin: "dual_write_error",
            kind: "missing_in_target",
            table: "e2e_school_document_annotations",
            primaryKey: wide,
            userId: crypto.randomUUID(),
            sourceValue: { ...wide, ...Object.fromEntries(columns.map((c) => [c, "source"])) },
            targetValue: { ...wide, ...Object.fromEntries(columns.map((c) => [c, "target"])) },
            detectedAt: new Date().toISOString(),
          },
        ],
      },
    });
    expect(response.status()).toBe(202);
    await loginAs(page, "engineer");
    await expect.poll(async () => (await page.goto("/mismatches?table=e2e_school_document_annotations"), await page.getByText(id).count())).toBeGreaterThan(0);
    // Assign it to someone with a long address, as triage does.
    await page.getByRole("checkbox", { name: "Select all on this page" }).check();
    await page.getByLabel("Assign to").selectOption({ label: "engineer@demo.local" });
    await page.getByRole("button", { name: "Apply to selected" }).click();
    await expect(page.getByRole("cell", { name: "engineer@demo.local" }).first()).toBeVisible();
    const table = page.getByRole("table", { name: "Mismatches" });
    await expect(table.getByRole("row").nth(1)).toBeVisible();
    // The frame around the table scrolls sideways when the table is wider: a column past its edge is hidden.
    const frame = await table.locator("xpath=..").boundingBox();
    expect(frame).not.toBeNull();
    const right = Math.min(1440, frame!.x + frame!.width);
    for (const name of ["User", "Assignee", "Last seen"]) {
      const header = table.getByRole("columnheader", { name, exact: true });
      const box = await header.boundingBox();
      expect(box, name).not.toBeNull();
      expect(box!.x, `${name} starts on screen`).toBeGreaterThanOrEqual(Math.max(0, frame!.x));
      expect(box!.x + box!.width, `${name} ends on screen`).toBeLessThanOrEqual(right + 0.5);
    }
    // Every time in the Last seen column is shown whole (not cut by its column).
    const times = table.locator("tbody time");
    expect(await times.count()).toBeGreaterThan(0);
    const cut = await times.evaluateAll(
      (els) =>
        els.filter((el) => {
          const cell = el.closest("td") as HTMLElement;
          return cell.scrollWidth > cell.clientWidth || el.getBoundingClientRect().right > cell.getBoundingClientRect().right;
        }).length,
    );
    expect(cut).toBe(0);
  });
});
