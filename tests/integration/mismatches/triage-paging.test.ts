import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";

let app: TestApp;
const JOB = "job-7";

beforeAll(async () => {
  app = await startTestApp();
  // 23 records, several sharing a last-seen time so page boundaries fall inside ties; 4 found by one job.
  for (let i = 0; i < 23; i++) {
    await app.control.sql`
      insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, differing_fields, status, occurrences,
        first_seen_at, last_seen_at, shadow_read_occurrences, dual_write_occurrences, reconciliation_occurrences, reconciliation_job_id)
      values (${`sig-${i}`}, 'g', 'reconciliation', 'value_mismatch', 'documents', ${JSON.stringify({ id: i })}::text::jsonb, '{title}', 'open', 1,
        '2026-11-01T00:00:00Z', ${new Date(Date.UTC(2026, 10, 1, Math.floor(i / 3))).toISOString()}, 0, 0, 1, ${i % 6 === 0 ? JOB : null})`;
  }
});

afterAll(async () => {
  await app?.close();
});

const page = async (cookie: string, query: string) => {
  const r = await fetch(`${app.baseUrl}/mismatches?${query}&_data=routes%2Fmismatches._index`, { headers: { Cookie: cookie } });
  expect(r.status).toBe(200);
  const body = await r.json();
  return body.page as { rows: { id: number }[]; nextCursor: string | null; prevCursor: string | null };
};

describe("triage paging", () => {
  it("pages forward to the end and back to the start through the same rows", async () => {
    const cookie = await app.login("engineer");
    const forward: number[][] = [];
    let current = await page(cookie, "limit=5");
    expect(current.prevCursor).toBeNull();
    forward.push(current.rows.map((r) => r.id));
    while (current.nextCursor) {
      current = await page(cookie, `limit=5&cursor=${current.nextCursor}`);
      forward.push(current.rows.map((r) => r.id));
    }
    expect(forward.flat()).toHaveLength(23);
    expect(new Set(forward.flat()).size).toBe(23);
    const backward: number[][] = [current.rows.map((r) => r.id)];
    while (current.prevCursor) {
      current = await page(cookie, `limit=5&back=1&cursor=${current.prevCursor}`);
      backward.unshift(current.rows.map((r) => r.id));
    }
    expect(backward).toEqual(forward);
    expect(current.prevCursor).toBeNull();
  });

  it("lists one reconciliation job's findings", async () => {
    const cookie = await app.login("engineer");
    const found = await page(cookie, `job=${JOB}`);
    expect(found.rows).toHaveLength(4);
  });
});
