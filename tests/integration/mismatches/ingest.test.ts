import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { ingestMismatches } from "~/models/mismatch-ingest.server";
import { validateMismatchBatch, type MismatchInput } from "~/mismatches/contract";
import { createRule, previewRule } from "~/models/normalization-rule.server";
import { SYSTEM_ACTOR } from "~/models/audit.server";
import type { ScratchDatabase } from "../../support/databases";
import { useControlDatabase } from "./use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let sql: ScratchDatabase["sql"];

beforeAll(async () => {
  control = await useControlDatabase("mm_ingest");
  sql = control.db.sql;
});
afterAll(async () => {
  await control?.close();
});
beforeEach(async () => {
  await sql`truncate mismatches, mismatch_groups, mismatch_hourly, mismatch_comparisons, mismatch_ingest_keys, normalization_rules cascade`;
});

function record(overrides: Partial<MismatchInput> = {}): MismatchInput {
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: { id: 42 },
    userId: "u-1",
    cohort: "c-eu",
    fingerprint: null,
    sourceValue: { id: 42, title: "Essay", pages: 3 },
    targetValue: { id: 42, title: "Essay!", pages: 3 },
    detectedAt: "2026-01-01T10:00:00.000Z",
    ...overrides,
  };
}

describe("ingestMismatches", () => {
  it("stores a record with its differing fields computed at ingestion", async () => {
    const result = await ingestMismatches({ mismatches: [record()], comparisons: [] });
    expect(result).toMatchObject({ accepted: 1, created: 1, deduplicated: 0, replayed: false });
    const rows = await sql`select table_name, primary_key, differing_fields, status, occurrences, user_id, cohort_id from mismatches`;
    expect(rows).toEqual([
      {
        table_name: "documents",
        primary_key: { id: 42 },
        differing_fields: ["title"],
        status: "open",
        occurrences: 1,
        user_id: "u-1",
        cohort_id: "c-eu",
      },
    ]);
  });

  it("deduplicates the same table + key + differing fields into one record with occurrences and first/last seen", async () => {
    await ingestMismatches({
      mismatches: [record({ detectedAt: "2026-01-01T10:00:00Z" }), record({ detectedAt: "2026-01-01T09:00:00Z" })],
      comparisons: [],
    });
    // Composite key written in another key order is the same key.
    const second = await ingestMismatches({
      mismatches: [record({ detectedAt: "2026-01-01T11:00:00Z", primaryKey: { id: 42 } })],
      comparisons: [],
    });
    expect(second).toMatchObject({ created: 0, deduplicated: 1 });
    // A different differing-field set is a different record.
    await ingestMismatches({
      mismatches: [record({ targetValue: { id: 42, title: "Essay", pages: 4 } })],
      comparisons: [],
    });
    const rows = await sql`
      select differing_fields, occurrences, first_seen_at, last_seen_at from mismatches order by occurrences desc`;
    expect(rows).toHaveLength(2);
    expect(rows[0].differing_fields).toEqual(["title"]);
    expect(rows[0].occurrences).toBe(3);
    expect(rows[0].first_seen_at.toISOString()).toBe("2026-01-01T09:00:00.000Z");
    expect(rows[0].last_seen_at.toISOString()).toBe("2026-01-01T11:00:00.000Z");
    const groups = await sql`select differing_fields, records, occurrences::int from mismatch_groups order by occurrences desc`;
    expect(groups).toEqual([
      { differing_fields: ["title"], records: 1, occurrences: 3 },
      { differing_fields: ["pages"], records: 1, occurrences: 1 },
    ]);
    const [hourly] = await sql`select sum(occurrences)::int as n from mismatch_hourly`;
    expect(hourly.n).toBe(4);
  });

  it("reopens a resolved record when it happens again, but keeps an ignored one ignored", async () => {
    await ingestMismatches({ mismatches: [record(), record({ primaryKey: { id: 7 } })], comparisons: [] });
    await sql`update mismatches set status = case when primary_key = '{"id":42}' then 'resolved' else 'ignored' end::mismatch_status`;
    await ingestMismatches({ mismatches: [record(), record({ primaryKey: { id: 7 } })], comparisons: [] });
    const rows = await sql`select primary_key->>'id' as id, status from mismatches order by 1`;
    expect(rows).toEqual([
      { id: "42", status: "open" },
      { id: "7", status: "ignored" },
    ]);
  });

  it("marks a record ignored, naming the rule, when normalization rules explain every difference", async () => {
    const rule = await createRule(SYSTEM_ACTOR, {
      kind: "timestamp_precision",
      table: "documents",
      column: "updated_at",
      digits: 3,
      reason: "app round-trips ms",
    });
    const result = await ingestMismatches({
      mismatches: [
        record({
          sourceValue: { id: 42, updated_at: "2024-03-01 10:00:00.123456+00" },
          targetValue: { id: 42, updated_at: "2024-03-01 10:00:00.123+00" },
        }),
      ],
      comparisons: [],
    });
    expect(result.ignoredByRules).toBe(1);
    const [row] = await sql`select status, ignored_by_rule_id, differing_fields from mismatches`;
    expect(row).toEqual({ status: "ignored", ignored_by_rule_id: rule.id, differing_fields: [] });
  });

  it("makes a retried batch with the same Idempotency-Key a no-op returning the first answer", async () => {
    const batch = {
      mismatches: [record()],
      comparisons: [{ cohort: "c-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 100, mismatched: 1 }],
    };
    const first = await ingestMismatches(batch, { idempotencyKey: "token-1:abc" });
    const retry = await ingestMismatches(batch, { idempotencyKey: "token-1:abc" });
    expect(retry).toEqual({ ...first, replayed: true });
    const [m] = await sql`select occurrences from mismatches`;
    expect(m.occurrences).toBe(1);
    const [c] = await sql`select compared::int, mismatched::int from mismatch_comparisons`;
    expect(c).toEqual({ compared: 100, mismatched: 1 });
    await ingestMismatches(batch, { idempotencyKey: "token-1:other" });
    const [again] = await sql`select occurrences from mismatches`;
    expect(again.occurrences).toBe(2);
  });

  it("adds comparison counts per cohort, table and window (no cohort is its own bucket)", async () => {
    await ingestMismatches({
      mismatches: [],
      comparisons: [
        { cohort: "c-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 100, mismatched: 2 },
        { cohort: "c-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 50, mismatched: 0 },
        { cohort: null, table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 10, mismatched: 1 },
      ],
    });
    await ingestMismatches({
      mismatches: [],
      comparisons: [{ cohort: "c-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 1, mismatched: 1 }],
    });
    const rows = await sql`select cohort_id, compared::int, mismatched::int from mismatch_comparisons order by cohort_id`;
    expect(rows).toEqual([
      { cohort_id: "", compared: 10, mismatched: 1 },
      { cohort_id: "c-eu", compared: 151, mismatched: 3 },
    ]);
  });

  it("links reconciliation records to their job", async () => {
    await ingestMismatches(
      { mismatches: [record({ origin: "reconciliation", kind: "missing_in_target", targetValue: null })], comparisons: [] },
      { reconciliationJobId: "job-7" },
    );
    const [row] = await sql`select origin, kind, reconciliation_job_id, target_value from mismatches`;
    expect(row).toEqual({ origin: "reconciliation", kind: "missing_in_target", reconciliation_job_id: "job-7", target_value: null });
  });

  it("folds 1,000 repeats of one problem and many distinct keys in one batch", async () => {
    const mismatches = [...Array.from({ length: 1000 }, () => record()), ...Array.from({ length: 500 }, (_, i) => record({ primaryKey: { id: 1000 + i } }))];
    const result = await ingestMismatches({ mismatches, comparisons: [] });
    expect(result).toMatchObject({ accepted: 1500, created: 501, deduplicated: 999 });
    const [row] = await sql`select occurrences from mismatches where primary_key = '{"id":42}'`;
    expect(row.occurrences).toBe(1000);
  });
});

describe("rule preview and creation", () => {
  it("counts the open mismatches a rule would resolve, then marks them ignored by it, audited", async () => {
    await ingestMismatches({
      mismatches: [
        record({ primaryKey: { id: 1 }, sourceValue: { id: 1, price: "1.10" }, targetValue: { id: 1, price: "1.1" } }),
        record({ primaryKey: { id: 2 }, sourceValue: { id: 2, price: "2.50" }, targetValue: { id: 2, price: "2.5" } }),
        record({ primaryKey: { id: 3 }, sourceValue: { id: 3, price: "3.00" }, targetValue: { id: 3, price: "3.1" } }),
        record({ primaryKey: { id: 4 }, table: "invoices", sourceValue: { id: 4, price: "1.10" }, targetValue: { id: 4, price: "1.1" } }),
      ],
      comparisons: [],
    });
    const input = { kind: "numeric_scale" as const, table: "documents", column: "price", reason: "CockroachDB trims scale" };
    const preview = await previewRule(input);
    expect(preview).toMatchObject({ scanned: 3, capped: false });
    expect(preview.ids).toHaveLength(2);
    const rule = await createRule(SYSTEM_ACTOR, input);
    const rows = await sql`select primary_key->>'id' as id, status, ignored_by_rule_id from mismatches order by 1`;
    expect(rows).toEqual([
      { id: "1", status: "ignored", ignored_by_rule_id: rule.id },
      { id: "2", status: "ignored", ignored_by_rule_id: rule.id },
      { id: "3", status: "open", ignored_by_rule_id: null },
      { id: "4", status: "open", ignored_by_rule_id: null },
    ]);
    const [audit] = await sql`select action, after->>'resolvedMismatches' as resolved, reason from audit_log where entity_id = ${rule.id}`;
    expect(audit).toEqual({ action: "normalization_rule.create", resolved: "2", reason: "CockroachDB trims scale" });
  });
});

describe("validateMismatchBatch", () => {
  it("lists each bad record's index, field and reason", () => {
    const result = validateMismatchBatch({
      mismatches: [record(), { ...record(), origin: "telepathy", primaryKey: null }, { ...record(), detectedAt: "yesterday" }],
      comparisons: [{ table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 1, mismatched: 2 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    expect(result.errors).toEqual([
      { section: "mismatches", index: 1, field: "origin", reason: "must be one of shadow_read, dual_write_error, reconciliation" },
      { section: "mismatches", index: 1, field: "primaryKey", reason: "is required" },
      { section: "mismatches", index: 2, field: "detectedAt", reason: "must be an ISO 8601 timestamp" },
      { section: "comparisons", index: 0, field: "mismatched", reason: "cannot exceed compared" },
    ]);
  });

  it("refuses what PostgreSQL could not store: NUL characters, BC and pre-2000 times", () => {
    const nul = "a\u0000b";
    const result = validateMismatchBatch({
      mismatches: [
        record({ primaryKey: { id: nul } }),
        record({ table: nul, userId: nul }),
        record({ sourceValue: { [nul]: 1 }, targetValue: { [nul]: 2 } }),
        record({ detectedAt: "-000001-01-01T00:00:00.000Z" }),
        record({ sourceValue: { title: nul }, targetValue: { title: "x" } }),
      ],
      comparisons: [{ table: nul, windowStart: "1999-12-31T23:00:00Z", compared: 1, mismatched: 0 }],
    });
    expect(result.ok).toBe(false);
    if (result.ok) return;
    const reason = "cannot contain the NUL character (U+0000): PostgreSQL text cannot store it";
    expect(result.errors).toEqual([
      { section: "mismatches", index: 0, field: "primaryKey", reason },
      { section: "mismatches", index: 1, field: "table", reason },
      { section: "mismatches", index: 1, field: "userId", reason },
      { section: "mismatches", index: 2, field: "sourceValue", reason: `column names ${reason}` },
      { section: "mismatches", index: 2, field: "targetValue", reason: `column names ${reason}` },
      { section: "mismatches", index: 3, field: "detectedAt", reason: "must be after 2000-01-01" },
      { section: "comparisons", index: 0, field: "table", reason },
      { section: "comparisons", index: 0, field: "windowStart", reason: "must be after 2000-01-01" },
    ]);
  });

  it("folds a record whose values (stored as json) hold a NUL escape", async () => {
    // Only jsonb and text refuse NUL; a value with one is a legitimate difference to report.
    const batch = { mismatches: [record({ primaryKey: { id: 7 }, sourceValue: { title: "a\u0000b" }, targetValue: { title: "ab" } })], comparisons: [] };
    const checked = validateMismatchBatch(batch);
    expect(checked.ok).toBe(true);
    await ingestMismatches(batch);
    const [row] = await sql`select differing_fields from mismatches where primary_key = '{"id":7}'`;
    expect(row.differing_fields).toEqual(["title"]);
  });

  it("refuses more than 5,000 records", () => {
    const result = validateMismatchBatch({ mismatches: Array.from({ length: 5001 }, () => record()), comparisons: [] });
    expect(result).toMatchObject({ ok: false, errors: [{ section: "body", field: "mismatches" }] });
  });
});
