import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createMismatchFolder } from "~/jobs/mismatches.server";
import { drainMismatchInbox, foldMismatchInbox, mismatchInboxBacklog } from "~/models/mismatch-fold.server";
import { mergeEncodedBatches } from "~/mismatches/copy-codec";
import { isIsoInstant } from "~/mismatches/prepare";
import { stageMismatches } from "~/models/mismatch-stage.server";
import type { MismatchInput } from "~/mismatches/contract";
import { createRule, deleteRule, listActiveRules } from "~/models/normalization-rule.server";
import { SYSTEM_ACTOR } from "~/models/audit.server";
import { discardSetAsideBatch, isBatchFault, listSetAsideBatches, retrySetAsideBatch } from "~/models/mismatch-set-aside.server";
import type { ScratchDatabase } from "../../support/databases";
import { useControlDatabase } from "./use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let sql: ScratchDatabase["sql"];

beforeAll(async () => {
  control = await useControlDatabase("mm_inbox");
  sql = control.db.sql;
});
afterAll(async () => {
  await control?.close();
});
beforeEach(async () => {
  await sql`truncate mismatches, mismatch_groups, mismatch_hourly, mismatch_comparisons, mismatch_inbox, mismatch_inbox_set_aside, mismatch_ingest_keys, normalization_rules, audit_log cascade`;
});

function record(id: number, overrides: Partial<MismatchInput> = {}): MismatchInput {
  return {
    origin: "shadow_read",
    kind: "value_mismatch",
    table: "documents",
    primaryKey: { id },
    userId: `u-${id}`,
    cohort: "c-eu",
    sourceValue: { id, title: "Essay", pages: 3 },
    targetValue: { id, title: "Essay!", pages: 3 },
    detectedAt: "2026-01-01T10:00:00.000Z",
    ...overrides,
  };
}

const window = { cohort: "c-eu", table: "documents", windowStart: "2026-01-01T10:00:00Z", compared: 100, mismatched: 10 };

async function totals() {
  const [m] = await sql`select count(*)::int as rows, coalesce(sum(occurrences), 0)::int as occurrences from mismatches`;
  const [g] = await sql`select coalesce(sum(records), 0)::int as records, coalesce(sum(occurrences), 0)::int as occurrences from mismatch_groups`;
  const [h] = await sql`select coalesce(sum(occurrences), 0)::int as occurrences from mismatch_hourly`;
  const [c] = await sql`select coalesce(sum(compared), 0)::int as compared, coalesce(sum(mismatched), 0)::int as mismatched from mismatch_comparisons`;
  const [i] = await sql`select count(*)::int as batches from mismatch_inbox`;
  return { rows: m.rows, occurrences: m.occurrences, groupRecords: g.records, groupOccurrences: g.occurrences, hourly: h.occurrences, ...c, inbox: i.batches };
}

describe("staging and folding", () => {
  it("stages a batch as one inbox row, visible in the records only once folded", async () => {
    const staged = await stageMismatches({ mismatches: [record(1), record(2), record(1)], comparisons: [window] });
    expect(staged).toEqual({ accepted: 3, ignoredByRules: 0, comparisons: 1, replayed: false });
    expect(await mismatchInboxBacklog()).toMatchObject({ batches: 1, records: 2 });
    expect((await totals()).rows).toBe(0);
    expect(await drainMismatchInbox()).toEqual({ batches: 1, records: 3, setAside: 0 });
    expect(await totals()).toEqual({
      rows: 2,
      occurrences: 3,
      groupRecords: 2,
      groupOccurrences: 3,
      hourly: 3,
      compared: 100,
      mismatched: 10,
      inbox: 0,
    });
    const [row] = await sql`select differing_fields, occurrences from mismatches where primary_key = '{"id":1}'`;
    expect(row).toEqual({ differing_fields: ["title"], occurrences: 2 });
  });

  it("stores staged batches lz4-compressed where the server has lz4, else uncompressed (never pglz)", async () => {
    const [{ lz4 }] = await sql`select 'lz4' = any(enumvals) as lz4 from pg_settings where name = 'default_toast_compression'`;
    const [column] = await sql`
      select attstorage::text as storage, attcompression::text as compression from pg_attribute
      where attrelid = 'mismatch_inbox'::regclass and attname = 'records'`;
    expect(column).toEqual(lz4 ? { storage: "x", compression: "l" } : { storage: "e", compression: "" });
    await stageMismatches({ mismatches: Array.from({ length: 200 }, (_, i) => record(i)), comparisons: [] });
    const [{ method }] = await sql`select coalesce(pg_column_compression(records), 'none') as method from mismatch_inbox`;
    expect(method).toBe(lz4 ? "lz4" : "none");
  });

  it("carries any text through the COPY encoding unchanged", async () => {
    const odd = 'tab\there, new\nline, back\\slash, "quote", \\N, ünïcode \u2028';
    await stageMismatches({
      mismatches: [record(1, { table: odd, userId: odd, primaryKey: { [odd]: odd }, sourceValue: { [odd]: odd }, targetValue: { [odd]: `${odd}!` } })],
      comparisons: [],
    });
    await drainMismatchInbox();
    const [row] = await sql`select table_name, user_id, primary_key, source_value, target_value, differing_fields from mismatches`;
    expect(row).toEqual({
      table_name: odd,
      user_id: odd,
      primary_key: { [odd]: odd },
      source_value: { [odd]: odd },
      target_value: { [odd]: `${odd}!` },
      differing_fields: [odd],
    });
  });

  it("carries any text through a merge of repeats across batches unchanged", async () => {
    const odd = 'tab\there, new\nline, back\\slash, "quote", \\N, ünïcode \u2028';
    const oddRecord = (detectedAt: string) =>
      record(1, { table: odd, userId: odd, primaryKey: { [odd]: odd }, sourceValue: { [odd]: odd }, targetValue: { [odd]: `${odd}!` }, detectedAt });
    await stageMismatches({ mismatches: [oddRecord("2026-01-01T09:00:00.000Z")], comparisons: [] });
    await stageMismatches({ mismatches: [oddRecord("2026-01-01T10:00:00.000Z")], comparisons: [] });
    expect(await drainMismatchInbox()).toEqual({ batches: 2, records: 2, setAside: 0 });
    const rows = await sql`select table_name, user_id, primary_key, source_value, target_value, differing_fields, occurrences from mismatches`;
    expect(rows).toEqual([
      {
        table_name: odd,
        user_id: odd,
        primary_key: { [odd]: odd },
        source_value: { [odd]: odd },
        target_value: { [odd]: `${odd}!` },
        differing_fields: [odd],
        occurrences: 2,
      },
    ]);
  });

  it("merges repeats across batches folded together, and with records folded before", async () => {
    await stageMismatches({ mismatches: [record(1, { detectedAt: "2026-01-01T09:00:00Z" })], comparisons: [] });
    await stageMismatches({
      mismatches: [record(1, { detectedAt: "2026-01-01T11:00:00Z", targetValue: { id: 1, title: "Essay?", pages: 3 } })],
      comparisons: [],
    });
    await drainMismatchInbox();
    await stageMismatches({ mismatches: [record(1, { detectedAt: "2026-01-01T10:00:00Z" })], comparisons: [] });
    await drainMismatchInbox();
    const rows = await sql`select occurrences, first_seen_at, last_seen_at, target_value from mismatches`;
    expect(rows).toHaveLength(1);
    expect(rows[0].occurrences).toBe(3);
    expect(rows[0].first_seen_at.toISOString()).toBe("2026-01-01T09:00:00.000Z");
    expect(rows[0].last_seen_at.toISOString()).toBe("2026-01-01T11:00:00.000Z");
    // The latest occurrence's values are kept.
    expect(rows[0].target_value).toEqual({ id: 1, title: "Essay?", pages: 3 });
    expect(await totals()).toMatchObject({ groupRecords: 1, groupOccurrences: 3 });
  });

  it("merges batches folded together whatever their order: latest values, earliest first seen, any known context", async () => {
    // Staged out of order, the middle one first, and the user and cohort known only to the last one.
    await stageMismatches({ mismatches: [record(1, { detectedAt: "2026-01-01T10:00:00Z", userId: null, cohort: null }), record(2)], comparisons: [] });
    await stageMismatches({
      mismatches: [record(1, { detectedAt: "2026-01-01T12:00:00Z", userId: null, cohort: null, targetValue: { id: 1, title: "Latest", pages: 3 } })],
      comparisons: [],
    });
    await stageMismatches({ mismatches: [record(1, { detectedAt: "2026-01-01T08:00:00Z", userId: "u-late", cohort: "c-late" }), record(2)], comparisons: [] });
    expect(await drainMismatchInbox()).toEqual({ batches: 3, records: 5, setAside: 0 });
    const rows = await sql`
      select primary_key, occurrences, first_seen_at, last_seen_at, target_value, user_id, cohort_id from mismatches order by (primary_key->>'id')::int`;
    expect(rows).toHaveLength(2);
    expect(rows[0]).toMatchObject({ occurrences: 3, target_value: { id: 1, title: "Latest", pages: 3 }, user_id: "u-late", cohort_id: "c-late" });
    expect(rows[0].first_seen_at.toISOString()).toBe("2026-01-01T08:00:00.000Z");
    expect(rows[0].last_seen_at.toISOString()).toBe("2026-01-01T12:00:00.000Z");
    expect(rows[1]).toMatchObject({ occurrences: 2, user_id: "u-2" });
    expect(await totals()).toMatchObject({ rows: 2, occurrences: 5, groupRecords: 2, groupOccurrences: 5, hourly: 5 });
  });

  it("merges encoded lines by signature, and hands batches without repeats on as they are", () => {
    const line = (sig: string, user: string, occurrences: number, first: string, last: string, target: string) =>
      [sig, "g", "shadow_read", "value_mismatch", "t", "{}", user, "\\N", "\\N", "{}", target, "f", "\\N", "\\N", occurrences, first, last].join("\t");
    const a = line("s1", "\\N", 2, "2026-01-01T10:00:00.000Z", "2026-01-01T11:00:00.000Z", '{"v":1}') + "\n";
    const b = line("s2", "u", 1, "2026-01-01T09:00:00.000Z", "2026-01-01T09:00:00.000Z", '{"v":2}') + "\n";
    expect(mergeEncodedBatches([a, b])).toBe(a + b);
    // A repeat of s1, earlier and later at once, with the user known; and a batch missing its last newline.
    const c = line("s1", "u1", 3, "2026-01-01T08:00:00.000Z", "2026-01-01T12:00:00.000Z", '{"v":3}');
    const merged = mergeEncodedBatches([a, b, c]).split("\n");
    // Lines staged before the per-origin counts came read as their origin's; a merged line is written with them.
    expect(merged).toEqual([line("s1", "u1", 5, "2026-01-01T08:00:00.000Z", "2026-01-01T12:00:00.000Z", '{"v":3}') + "\t5\t0\t0", b.trimEnd(), ""]);
    expect(mergeEncodedBatches([b.trimEnd(), a])).toBe(b + a);
  });

  it("stores detection times exactly, whether or not they came as toISOString writes them", async () => {
    const times = ["2026-01-01T10:00:00.123Z", "2026-02-30T10:00:00.000Z", "2026-01-01T24:00:00.000Z", "2026-01-01T10:00:00Z", "2026-01-01T11:00:00.5+01:00"];
    await stageMismatches({ mismatches: times.map((detectedAt, i) => record(i, { detectedAt })), comparisons: [] });
    await drainMismatchInbox();
    const rows = await sql`select primary_key, first_seen_at, last_seen_at from mismatches order by (primary_key->>'id')::int`;
    expect(rows.map((r) => [r.first_seen_at.toISOString(), r.last_seen_at.toISOString()])).toEqual(
      times.map((t) => [new Date(t).toISOString(), new Date(t).toISOString()]),
    );
  });

  it("takes a detection time as it came exactly when toISOString would write it so", () => {
    const edge = [
      "2024-02-29T23:59:59.999Z",
      "2023-02-29T00:00:00.000Z",
      "2024-04-31T00:00:00.000Z",
      "0000-02-29T00:00:00.000Z",
      "0099-12-31T00:00:00.000Z",
      "2024-01-01T24:00:00.000Z",
      "2024-01-01T23:60:00.000Z",
      "2024-13-01T00:00:00.000Z",
      "2024-00-01T00:00:00.000Z",
      "2024-01-00T00:00:00.000Z",
      "2024-01-01T00:00:00Z",
    ];
    const samples = [...edge, ...Array.from({ length: 2000 }, (_, i) => new Date(-62e12 + i * 1.234567e11 + (i % 1000)).toISOString())];
    for (const text of samples) {
      const ms = Date.parse(text);
      const roundTrips = Number.isFinite(ms) && new Date(ms).toISOString() === text;
      // Year 0's Feb 29 is the one round-tripping time it formats again rather than takes.
      if (text !== "0000-02-29T00:00:00.000Z") expect(isIsoInstant(text), text).toBe(roundTrips);
      else expect(isIsoInstant(text)).toBe(false);
    }
  });

  it("makes a retried batch with the same Idempotency-Key a no-op answering the first answer", async () => {
    const batch = { mismatches: [record(1)], comparisons: [window] };
    const first = await stageMismatches(batch, { idempotencyKey: "t:abc" });
    await drainMismatchInbox();
    const retry = await stageMismatches(batch, { idempotencyKey: "t:abc" });
    expect(retry).toEqual({ ...first, replayed: true });
    await drainMismatchInbox();
    expect(await totals()).toMatchObject({ occurrences: 1, compared: 100, inbox: 0 });
  });

  it("applies the normalization rules at staging, as the direct path does", async () => {
    const rule = await createRule(SYSTEM_ACTOR, {
      kind: "timestamp_precision",
      table: "documents",
      column: "updated_at",
      digits: 3,
      reason: "app round-trips ms",
    });
    const staged = await stageMismatches({
      mismatches: [
        record(1, { sourceValue: { id: 1, updated_at: "2024-03-01 10:00:00.123456+00" }, targetValue: { id: 1, updated_at: "2024-03-01 10:00:00.123+00" } }),
      ],
      comparisons: [],
    });
    expect(staged.ignoredByRules).toBe(1);
    await drainMismatchInbox();
    const [row] = await sql`select status, ignored_by_rule_id, differing_fields from mismatches`;
    expect(row).toEqual({ status: "ignored", ignored_by_rule_id: rule.id, differing_fields: [] });
  });

  it("applies only the rules in force when a batch is staged: not deleted, not expired", async () => {
    const rule = (column: string, expiresAt: Date | null = null) =>
      createRule(SYSTEM_ACTOR, { kind: "ignore_column", table: "documents", column, reason: "test", expiresAt });
    const now = new Date("2026-01-01T12:00:00Z");
    const [, , deleted, live] = [
      await rule("a", new Date("2026-01-01T11:59:59Z")),
      await rule("b", now),
      await rule("c"),
      await rule("d", new Date("2026-01-01T12:00:01Z")),
    ];
    await deleteRule(SYSTEM_ACTOR, deleted.id, null);
    expect((await listActiveRules(now)).map((r) => r.column)).toEqual(["d"]);
    const staged = await stageMismatches({ mismatches: [record(1, { sourceValue: { d: 1 }, targetValue: { d: 2 } })], comparisons: [] }, { now });
    expect(staged.ignoredByRules).toBe(1);
    await drainMismatchInbox();
    const [row] = await sql`select status, ignored_by_rule_id from mismatches`;
    expect(row).toEqual({ status: "ignored", ignored_by_rule_id: live.id });
  });

  it("lets concurrent folders share the inbox without counting a batch twice", async () => {
    // 40 batches, each repeating 10 hot keys and adding 20 of its own, plus a comparison window each.
    for (let b = 0; b < 40; b++) {
      const mismatches = [...Array.from({ length: 10 }, (_, i) => record(i)), ...Array.from({ length: 20 }, (_, i) => record(1000 + b * 20 + i))];
      await stageMismatches({ mismatches, comparisons: [window] });
    }
    const folders = Array.from({ length: 4 }, async () => {
      let folded = 0;
      for (;;) {
        const { batches } = await foldMismatchInbox({ maxBatches: 3 });
        if (batches === 0) return folded;
        folded += batches;
      }
    });
    const folded = await Promise.all(folders);
    expect(folded.reduce((a, b) => a + b, 0)).toBe(40);
    expect(await totals()).toEqual({
      rows: 10 + 40 * 20,
      occurrences: 40 * 30,
      groupRecords: 810,
      groupOccurrences: 1200,
      hourly: 1200,
      compared: 4000,
      mismatched: 400,
      inbox: 0,
    });
    const [hot] = await sql`select occurrences from mismatches where primary_key = '{"id":3}'`;
    expect(hot.occurrences).toBe(40);
  });

  it("keeps the batches of a fold that fails mid-way, and folds them once on the next try", async () => {
    await stageMismatches({ mismatches: [record(1), record(2)], comparisons: [window] });
    await stageMismatches({ mismatches: [record(1)], comparisons: [window] });
    // The records and groups are written when the failure hits; the rollback must take them back with the claim.
    await expect(
      foldMismatchInbox({
        beforeCommit: async () => {
          throw new Error("folder died");
        },
      }),
    ).rejects.toThrow("folder died");
    expect(await totals()).toEqual({
      rows: 0,
      occurrences: 0,
      groupRecords: 0,
      groupOccurrences: 0,
      hourly: 0,
      compared: 0,
      mismatched: 0,
      inbox: 2,
    });
    await drainMismatchInbox();
    expect(await totals()).toEqual({
      rows: 2,
      occurrences: 3,
      groupRecords: 2,
      groupOccurrences: 3,
      hourly: 3,
      compared: 200,
      mismatched: 20,
      inbox: 0,
    });
  });

  it("a folder woken during a drain drains once more, and survives a failing drain", async () => {
    let drains = 0;
    let fail = true;
    const folder = createMismatchFolder(async () => {
      drains++;
      if (fail) {
        fail = false;
        throw new Error("connection lost");
      }
    });
    await folder.wake();
    expect(drains).toBe(1);
    const first = folder.wake();
    const second = folder.wake();
    await Promise.all([first, second]);
    expect(drains).toBe(3);
  });
});

describe("a batch the database refuses", () => {
  const engineer = { type: "user" as const, id: null, label: "eng@example.com" };

  /** Stages three batches of two records each and returns their inbox ids. */
  async function stageThree(): Promise<number[]> {
    for (const id of [1, 3, 5]) await stageMismatches({ mismatches: [record(id), record(id + 1)], comparisons: [window] });
    return (await sql`select id from mismatch_inbox order by id`).map((r) => Number(r.id));
  }

  // A staged record seen zero times passes COPY and breaks the records' check constraint at the upsert.
  const breakOccurrences = (id: number) => sql`update mismatch_inbox set records = replace(records, ${"\t1\t2026-"}, ${"\t0\t2026-"}) where id = ${id}`;

  async function auditActions() {
    return (await sql`select action, entity_id, actor_label, reason from audit_log order by id`).map((r) => ({ ...r }));
  }

  it("sets aside only the batch at fault, folds the ones claimed with it, and loses nothing", async () => {
    const [first, bad, last] = await stageThree();
    await breakOccurrences(bad);
    expect(await drainMismatchInbox()).toEqual({ batches: 2, records: 4, setAside: 1 });
    expect(await totals()).toMatchObject({ rows: 4, occurrences: 4, groupRecords: 4, compared: 200, mismatched: 20, inbox: 0 });
    const keys = await sql`select (primary_key->>'id')::int as id from mismatches order by 1`;
    expect(keys.map((r) => r.id)).toEqual([1, 2, 5, 6]);
    const aside = await listSetAsideBatches();
    expect(aside).toMatchObject({ total: 1, records: 2, batches: [{ id: bad, records: 2 }] });
    expect(aside.batches[0].error).toContain("mismatches_occurrences_positive");
    expect(aside.batches[0].error).toContain("SQLSTATE 23514");
    expect(await auditActions()).toEqual([{ action: "mismatch_batch.set_aside", entity_id: String(bad), actor_label: "cutover", reason: null }]);
    expect([first, last]).not.toContain(bad);
  });

  it("puts a set-aside batch back in the inbox in its place, and folds it once its cause is fixed", async () => {
    const [, bad] = await stageThree();
    await breakOccurrences(bad);
    await drainMismatchInbox();
    // Retried unchanged, it fails alone again and is set aside again.
    expect(await retrySetAsideBatch(engineer, bad)).toBe(true);
    expect(await drainMismatchInbox()).toEqual({ batches: 0, records: 0, setAside: 1 });
    await sql`update mismatch_inbox_set_aside set records = replace(records, ${"\t0\t2026-"}, ${"\t1\t2026-"}) where id = ${bad}`;
    expect(await retrySetAsideBatch(engineer, bad)).toBe(true);
    expect((await sql`select id from mismatch_inbox`).map((r) => Number(r.id))).toEqual([bad]);
    expect(await drainMismatchInbox()).toEqual({ batches: 1, records: 2, setAside: 0 });
    expect(await totals()).toMatchObject({ rows: 6, occurrences: 6, compared: 300, inbox: 0 });
    expect((await listSetAsideBatches()).total).toBe(0);
    expect(await retrySetAsideBatch(engineer, bad)).toBe(false);
    expect((await auditActions()).map((a) => a.action)).toEqual([
      "mismatch_batch.set_aside",
      "mismatch_batch.retry",
      "mismatch_batch.set_aside",
      "mismatch_batch.retry",
    ]);
  });

  it("discards a set-aside batch only with its reason in the audit log", async () => {
    const [, bad] = await stageThree();
    await breakOccurrences(bad);
    await drainMismatchInbox();
    expect(await discardSetAsideBatch(engineer, bad, "test data sent to production")).toBe(true);
    expect(await discardSetAsideBatch(engineer, bad, "again")).toBe(false);
    expect((await listSetAsideBatches()).total).toBe(0);
    expect((await auditActions()).at(-1)).toEqual({
      action: "mismatch_batch.discard",
      entity_id: String(bad),
      actor_label: "eng@example.com",
      reason: "test data sent to production",
    });
  });

  it("sets aside a batch whose COPY gets no answer (postgres.js loses the error), after the bound", async () => {
    const [, bad] = await stageThree();
    // An origin the enum does not know: the server refuses the COPY row, and the answer never reaches the fold.
    await sql`update mismatch_inbox set records = replace(records, ${"\tshadow_read\t"}, ${"\tbogus\t"}) where id = ${bad}`;
    const started = Date.now();
    expect(await drainMismatchInbox({ copyAnswerMs: 500 })).toEqual({ batches: 2, records: 4, setAside: 1 });
    // The merged fold and the batch alone each waited out the bound once.
    expect(Date.now() - started).toBeGreaterThanOrEqual(1_000);
    const [aside] = (await listSetAsideBatches()).batches;
    expect(aside).toMatchObject({ id: bad });
    expect(aside.error).toContain("got no answer in 0.5 s");
    // The connections the timed-out COPYs ran on are fine for the next fold.
    await stageMismatches({ mismatches: [record(9)], comparisons: [] });
    expect(await drainMismatchInbox()).toEqual({ batches: 1, records: 1, setAside: 0 });
  });

  it("sets aside a batch whose comparisons are not JSON", async () => {
    const [, bad] = await stageThree();
    await sql`update mismatch_inbox set comparisons = '[{"cohort":' where id = ${bad}`;
    expect(await drainMismatchInbox()).toEqual({ batches: 2, records: 4, setAside: 1 });
    expect((await listSetAsideBatches()).batches[0].error).toMatch(/JSON/);
  });

  it("tells data faults from a database that is down or busy", () => {
    expect(isBatchFault(Object.assign(new Error("check"), { code: "23514" }))).toBe(true);
    expect(isBatchFault(Object.assign(new Error("bad time"), { code: "22007" }))).toBe(true);
    expect(isBatchFault(Object.assign(new Error("index row too large"), { code: "54000" }))).toBe(true);
    expect(isBatchFault(Object.assign(new Error("terminating connection"), { code: "57P01" }))).toBe(false);
    expect(isBatchFault(Object.assign(new Error("deadlock"), { code: "40P01" }))).toBe(false);
    expect(isBatchFault(Object.assign(new Error("refused"), { code: "ECONNREFUSED" }))).toBe(false);
    expect(isBatchFault(new Error("folder died"))).toBe(false);
    expect(isBatchFault(null)).toBe(false);
  });
});
