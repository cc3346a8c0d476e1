import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { hashToken } from "~/models/api-token.server";
import { drainMismatchInbox } from "~/models/mismatch-fold.server";
import { startTestApp, type TestApp } from "../../support/app-server";
import { apiRecord } from "./api-records";

let app: TestApp;
const READ_ONLY_TOKEN = "cut_test_metrics_only_0123456789abcdef";

beforeAll(async () => {
  app = await startTestApp();
  await app.control.sql`
    insert into api_tokens (name, token_hash, prefix, scopes)
    values ('metrics-only', ${hashToken(READ_ONLY_TOKEN)}, 'cut_test', ${["metrics:read"]})`;
});
afterAll(async () => {
  await app?.close();
});

const record = apiRecord;

async function post(body: unknown, headers: Record<string, string> = {}, token = app.token) {
  return fetch(`${app.baseUrl}/api/v1/mismatches`, {
    method: "POST",
    headers: { Authorization: `Bearer ${token}`, "Content-Type": "application/json", ...headers },
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Records as triage sees them: what is staged is folded first (the worker's job, done here deterministically). */
async function count() {
  await drainMismatchInbox();
  const [row] = await app.control.sql`select count(*)::int as n, coalesce(sum(occurrences), 0)::int as occurrences from mismatches`;
  return row as { n: number; occurrences: number };
}

describe("POST /api/v1/mismatches", () => {
  it("refuses a missing token with 401 and a token without mismatches:write with 403", async () => {
    const anonymous = await fetch(`${app.baseUrl}/api/v1/mismatches`, { method: "POST", body: "{}", headers: { "Content-Type": "application/json" } });
    expect(anonymous.status).toBe(401);
    const wrongScope = await post({ mismatches: [record(1)], comparisons: [] }, {}, READ_ONLY_TOKEN);
    expect(wrongScope.status).toBe(403);
    expect((await count()).n).toBe(0);
  });

  it("accepts a batch with comparison counts (202: staged), and the fold stores it deduplicated", async () => {
    const response = await post({
      mismatches: [record(1), record(2), record(1)],
      comparisons: [{ cohort: "cohort-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 1000, mismatched: 3 }],
    });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ accepted: 3, ignoredByRules: 0, comparisons: 1, replayed: false });
    const [staged] = await app.control.sql`select count(*)::int as batches, sum(record_count)::int as records from mismatch_inbox`;
    expect(staged).toEqual({ batches: 1, records: 2 });
    expect(await count()).toEqual({ n: 2, occurrences: 3 });
    const [c] = await app.control.sql`select compared::int, mismatched::int from mismatch_comparisons where cohort_id = 'cohort-eu'`;
    expect(c).toEqual({ compared: 1000, mismatched: 3 });
  });

  it("makes a retry with the same Idempotency-Key a no-op", async () => {
    const before = await count();
    const body = { mismatches: [record(10)], comparisons: [] };
    const first = await post(body, { "Idempotency-Key": "batch-10" });
    const retry = await post(body, { "Idempotency-Key": "batch-10" });
    expect(first.status).toBe(202);
    expect(retry.status).toBe(202);
    expect(await retry.json()).toEqual({ ...(await first.json()), replayed: true });
    expect(await count()).toEqual({ n: before.n + 1, occurrences: before.occurrences + 1 });
  });

  it("rejects the whole batch with each bad record's index, field and reason, writing nothing", async () => {
    const before = await count();
    const response = await post({
      mismatches: [record(20), record(21, { kind: "oops" }), record(22), record(23, { table: "", detectedAt: "soon" })],
      comparisons: [],
    });
    expect(response.status).toBe(400);
    const body = await response.json();
    expect(body.error.details.errors).toEqual([
      { section: "mismatches", index: 1, field: "kind", reason: expect.stringContaining("must be one of") },
      { section: "mismatches", index: 3, field: "table", reason: "is required" },
      { section: "mismatches", index: 3, field: "detectedAt", reason: "must be an ISO 8601 timestamp" },
    ]);
    expect(await count()).toEqual(before);
  });

  it("answers 413 to more than 5,000 records and to an oversized body", async () => {
    const tooMany = await post({ mismatches: Array.from({ length: 5001 }, (_, i) => record(i)), comparisons: [] });
    expect(tooMany.status).toBe(413);
    const huge = await post({ mismatches: [record(1, { sourceValue: { blob: "x".repeat(17 * 1024 * 1024) } })], comparisons: [] });
    expect(huge.status).toBe(413);
  });

  it("answers 400 to a body that is not JSON", async () => {
    expect((await post("{not json")).status).toBe(400);
  });
});
