import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import { createCutoverClient, type CutoverClient } from "../../../client/src";
import { SYSTEM_ACTOR } from "../../../app/models/audit.server";
import { drainMismatchInbox } from "../../../app/models/mismatch-fold.server";
import { ingestMismatches } from "../../../app/models/mismatch-ingest.server";
import { setPin } from "../../../app/models/pin.server";
import { keyShapeOf } from "../../../app/normalization";
import { describeTable } from "../../../app/reconciliation/catalog";
import { MERGE_MISMATCH_IDENTITIES, mergeMismatchIdentities } from "../../../db/migration-steps/merge-mismatch-identities";
import { startTestApp, type TestApp } from "../../support/app-server";

/**
 * One identity per row (issue 15): whatever reported a row — a shadow read naming its key column, the client's
 * dual write with a bare key, reconciliation with the key as text — it is one record, counted per origin.
 */
let app: TestApp;
let client: CutoverClient | null = null;

beforeAll(async () => {
  app = await startTestApp({
    prepare: async ({ source, target }) => {
      for (const db of [source, target]) {
        await db.sql.unsafe(`
          create table documents (id bigint primary key, title text);
          create table enrollments (school_id int, id int, grade text, primary key (school_id, id))`);
      }
    },
  });
}, 180_000);

afterAll(async () => {
  await client?.close(100);
  await app?.close();
});

const post = (mismatches: unknown[]) =>
  fetch(`${app.baseUrl}/api/v1/mismatches`, {
    method: "POST",
    headers: { authorization: `Bearer ${app.token}`, "content-type": "application/json" },
    body: JSON.stringify({ mismatches }),
  });

const differing = { sourceValue: { id: 42, title: "Essay" }, targetValue: { id: 42, title: "Essai" } };

async function recordsOf(table: string) {
  return app.control.sql<
    { id: number; primary_key: unknown; kind: string; occurrences: number; shadow: number; dual: number; recon: number; user_id: string | null }[]
  >`
    select id::int, primary_key, kind::text, occurrences, shadow_read_occurrences as shadow, dual_write_occurrences as dual,
      reconciliation_occurrences as recon, user_id
    from mismatches where table_name = ${table} order by id`;
}

describe("one identity per row", () => {
  it("stores a shadow read (object key), the client's dual-write report (bare key) and reconciliation's finding as one record with three origins", async () => {
    // A shadow read names the key column.
    expect(
      (await post([{ origin: "shadow_read", kind: "value_mismatch", table: "documents", primaryKey: { id: 42 }, userId: "writer-1", ...differing }])).status,
    ).toBe(202);

    // The application's client, writing for a user in dual_write: its reports carry bare keys.
    await setPin("writer-1", "dual_write", "identity test", null, SYSTEM_ACTOR);
    client = createCutoverClient({ url: app.baseUrl, token: app.token, pollIntervalMs: 60_000, reporter: { flushIntervalMs: 60_000 } });
    await client.ready();
    await vi.waitFor(
      async () => {
        await client!.refresh();
        expect(client!.assignment("writer-1").mode).toBe("dual_write");
      },
      { timeout: 10_000, interval: 50 },
    );
    client.reporter.enqueue({
      origin: "dual_write_error",
      kind: "value_mismatch",
      table: "documents",
      primaryKey: "42",
      userId: "writer-1",
      cohort: null,
      ...differing,
    });
    // And a mirrored write the target refused, for the same row: a write_error, under the same canonical key.
    const refused = Object.assign(new Error("duplicate key value violates unique constraint"), { code: "23505" });
    await client.write(
      "writer-1",
      { source: () => "ok", target: () => Promise.reject(refused) },
      { table: "documents", primaryKey: 42, value: { id: 42, title: "Essay" } },
    );
    expect(await client.reporter.flush()).toBe(true);

    // Reconciliation reports a key as text, as it reads it.
    await ingestMismatches({
      mismatches: [{ origin: "reconciliation", kind: "value_mismatch", table: "documents", primaryKey: "42", ...differing }],
      comparisons: [],
    });
    await drainMismatchInbox();

    const records = await recordsOf("documents");
    expect(records.map((r) => [r.kind, r.primary_key])).toEqual([
      ["value_mismatch", { id: 42 }],
      ["write_error", { id: 42 }],
    ]);
    expect(records[0]).toMatchObject({ occurrences: 3, shadow: 1, dual: 1, recon: 1, user_id: "writer-1" });
    expect(records[1]).toMatchObject({ occurrences: 1, dual: 1, user_id: "writer-1" });

    // The detail page says who saw it.
    const page = await fetch(`${app.baseUrl}/mismatches/${records[0].id}`, { headers: { Cookie: await app.login("viewer") } });
    expect(page.status).toBe(200);
    const html = await page.text();
    for (const text of ["Shadow read: 1", "Dual write: 1", "Reconciliation: 1"]) expect(html).toContain(text);
  });

  it("orders a composite key as the catalog does and takes its values by column type", async () => {
    const report = (primaryKey: unknown) => ({
      origin: "shadow_read",
      kind: "missing_in_target",
      table: "enrollments",
      primaryKey,
      sourceValue: { school_id: 7, id: 42, grade: "A" },
    });
    expect((await post([report({ id: 42, school_id: 7 }), report({ school_id: "7", id: "42" })])).status).toBe(202);
    await drainMismatchInbox();
    const [record, ...others] = await recordsOf("enrollments");
    expect(others).toEqual([]);
    expect(record).toMatchObject({ primary_key: { school_id: 7, id: 42 }, occurrences: 2, shadow: 2 });
  });

  it("refuses, per record, a key that is not a scalar or an object of scalars", async () => {
    const base = { origin: "shadow_read", kind: "value_mismatch", table: "documents" };
    const response = await post([
      { ...base, primaryKey: [7, 42] },
      { ...base, primaryKey: {} },
      { ...base, primaryKey: { id: { nested: 1 } } },
      { ...base, primaryKey: { id: null } },
      { ...base, primaryKey: 1 },
    ]);
    expect(response.status).toBe(400);
    const body = (await response.json()) as { error: { details: { errors: { index: number; field: string }[] } } };
    expect(body.error.details.errors.map((e) => [e.index, e.field])).toEqual([
      [0, "primaryKey"],
      [1, "primaryKey"],
      [2, "primaryKey"],
      [3, "primaryKey"],
    ]);
  });
});

describe("the support page", () => {
  it("lists a user's reconciliation findings beside the other origins, labelled", async () => {
    await ingestMismatches({
      mismatches: [
        {
          origin: "reconciliation",
          kind: "missing_in_target",
          table: "documents",
          primaryKey: "77",
          userId: "learner-9",
          sourceValue: { id: 77, title: "Quiz" },
        },
      ],
      comparisons: [],
    });
    expect(
      (await post([{ origin: "shadow_read", kind: "value_mismatch", table: "documents", primaryKey: { id: 78 }, userId: "learner-9", ...differing }])).status,
    ).toBe(202);
    await drainMismatchInbox();
    const [found] = await app.control.sql<{ id: number }[]>`select id::int from mismatches where user_id = 'learner-9' and origin = 'reconciliation'`;
    const page = await fetch(`${app.baseUrl}/users?userId=learner-9`, { headers: { Cookie: await app.login("support") } });
    expect(page.status).toBe(200);
    const html = await page.text();
    expect(html).toContain(`href="/mismatches/${found.id}"`);
    expect(html).toContain('<span data-origin="reconciliation">Reconciliation</span>');
    expect(html).toContain('<span data-origin="shadow_read">Shadow read</span>');
  });
});

describe("the identity migration step", () => {
  it("re-keys records stored in the old forms and merges the duplicates, with counts, status, notes and an audit entry", async () => {
    const sql = app.control.sql;
    // One row stored three times by the old signatures: {"id":5}, "5" and 5 were three identities.
    const rows = [
      {
        sig: "old-object",
        key: { id: 5 },
        origin: "shadow_read",
        status: "investigating",
        n: 3,
        first: "2026-11-01T00:00:00Z",
        last: "2026-11-20T00:00:00Z",
        user: null,
      },
      {
        sig: "old-text",
        key: "5",
        origin: "reconciliation",
        status: "resolved",
        n: 2,
        first: "2026-10-30T00:00:00Z",
        last: "2026-11-10T00:00:00Z",
        user: "learner-5",
      },
      { sig: "old-number", key: 5, origin: "dual_write_error", status: "open", n: 1, first: "2026-11-05T00:00:00Z", last: "2026-11-06T00:00:00Z", user: null },
    ];
    const ids: number[] = [];
    for (const r of rows) {
      const [{ id }] = await sql<{ id: number }[]>`
        insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, source_value, target_value,
          differing_fields, status, occurrences, first_seen_at, last_seen_at, shadow_read_occurrences, dual_write_occurrences, reconciliation_occurrences)
        values (${r.sig}, 'old-group', ${r.origin}::mismatch_origin, 'value_mismatch', 'documents', ${JSON.stringify(r.key)}::text::jsonb, ${r.user},
          '{"id":5,"title":"A"}', '{"id":5,"title":"B"}', '{title}', ${r.status}::mismatch_status, ${r.n}, ${r.first}, ${r.last},
          ${r.origin === "shadow_read" ? r.n : 0}, ${r.origin === "dual_write_error" ? r.n : 0}, ${r.origin === "reconciliation" ? r.n : 0})
        returning id::int`;
      ids.push(id);
      await sql`insert into mismatch_notes (mismatch_id, author_label, body) values (${id}, 'engineer@test', ${`note on ${r.sig}`})`;
    }
    await sql`insert into mismatch_groups (key, table_name, kind, differing_fields, records, occurrences, first_seen_at, last_seen_at)
      values ('old-group', 'documents', 'value_mismatch', '{title}', 3, 6, '2026-10-30', '2026-11-20')`;

    // The step already ran when the app's control DB was migrated (on an empty table): run it again here.
    await sql`delete from migration_steps where name = ${MERGE_MISMATCH_IDENTITIES}`;
    const summary = await mergeMismatchIdentities(sql, async (table) => keyShapeOf((await describeTable(app.source.sql, "public", table)).table));
    expect(summary).toMatchObject({ merged: 2, survivors: 1 });
    // Once only.
    expect(await mergeMismatchIdentities(sql, async () => null)).toBeNull();

    const merged = await sql`
      select id::int, primary_key = '{"id":5}' as canonical_key, status::text, occurrences, shadow_read_occurrences as shadow, dual_write_occurrences as dual,
        reconciliation_occurrences as recon, first_seen_at, last_seen_at, user_id
      from mismatches where group_key = 'old-group'`;
    expect(merged).toHaveLength(1);
    expect(merged[0]).toMatchObject({
      id: ids[0],
      canonical_key: true,
      status: "resolved",
      occurrences: 6,
      shadow: 3,
      dual: 1,
      recon: 2,
      user_id: "learner-5",
    });
    expect(new Date(merged[0].first_seen_at).toISOString()).toBe("2026-10-30T00:00:00.000Z");
    expect(new Date(merged[0].last_seen_at).toISOString()).toBe("2026-11-20T00:00:00.000Z");
    const notes = await sql`select body from mismatch_notes where mismatch_id = ${ids[0]} order by id`;
    expect(notes.map((n) => n.body)).toEqual(["note on old-object", "note on old-text", "note on old-number"]);
    const [group] = await sql`select records from mismatch_groups where key = 'old-group'`;
    expect(group.records).toBe(1);
    const audit = await sql`select before, after from audit_log where action = 'mismatch.merged' and entity_id = ${String(ids[0])}`;
    expect(audit).toHaveLength(1);
    expect((audit[0].before as { id: number }[]).map((b) => b.id)).toEqual(ids);
    expect(audit[0].after).toMatchObject({ occurrences: 6, status: "resolved" });

    // The recomputed signature is ingestion's: the same row reported again grows the merged record.
    await ingestMismatches({
      mismatches: [
        {
          origin: "shadow_read",
          kind: "value_mismatch",
          table: "documents",
          primaryKey: 5,
          sourceValue: { id: 5, title: "A" },
          targetValue: { id: 5, title: "B" },
        },
      ],
      comparisons: [],
    });
    const [again] =
      await sql`select count(*)::int as n, sum(occurrences)::int as occurrences from mismatches where table_name = 'documents' and primary_key = '{"id":5}'`;
    expect(again).toEqual({ n: 1, occurrences: 7 });
  });
});
