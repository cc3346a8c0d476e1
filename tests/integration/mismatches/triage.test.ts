import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SYSTEM_ACTOR } from "~/models/audit.server";
import { mismatchQuerySchema, parseMismatchQuery } from "~/mismatches/query";
import { exportMismatches } from "~/models/mismatch-export.server";
import { getMismatch, listMismatches, listMismatchesForUser, updateMismatches } from "~/models/mismatch.server";
import { listMismatchGroups } from "~/models/mismatch-stats.server";
import { ingestMismatches } from "~/models/mismatch-ingest.server";
import type { MismatchInput } from "~/mismatches/contract";
import type { ScratchDatabase } from "../../support/databases";
import { useControlDatabase } from "./use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let sql: ScratchDatabase["sql"];
const SAME_TIME = "2026-01-01T10:00:00.123456Z";

function record(i: number, overrides: Partial<MismatchInput> = {}): MismatchInput {
  return {
    origin: i % 2 ? "shadow_read" : "reconciliation",
    kind: "value_mismatch",
    table: i % 3 ? "documents" : "users",
    primaryKey: { id: i },
    userId: `user-${i % 5}`,
    cohort: "cohort-eu",
    sourceValue: { id: i, title: "A", updated_at: "2024-03-01 10:00:00.123456+00" },
    targetValue: { id: i, title: "B", updated_at: "2024-03-01 10:00:00.123+00" },
    detectedAt: SAME_TIME,
    ...overrides,
  };
}

beforeAll(async () => {
  control = await useControlDatabase("mm_triage");
  sql = control.db.sql;
  // 250 records, 120 of them with exactly the same last-seen timestamp (microsecond precision).
  const batch = Array.from({ length: 250 }, (_, i) =>
    record(i, { detectedAt: i < 120 ? SAME_TIME : new Date(Date.parse("2026-01-01T09:00:00Z") + i * 1000).toISOString() }),
  );
  await ingestMismatches({ mismatches: batch, comparisons: [] });
});
afterAll(async () => {
  await control?.close();
});

const base = mismatchQuerySchema.parse({});

async function walk(query: typeof base) {
  const ids: number[] = [];
  let cursor: string | undefined;
  for (let pages = 0; pages < 100; pages++) {
    const page = await listMismatches({ ...query, cursor });
    ids.push(...page.rows.map((r) => r.id));
    if (!page.nextCursor) break;
    cursor = page.nextCursor;
  }
  return ids;
}

describe("triage list", () => {
  it("pages through equal timestamps without skipping or repeating a row, in both directions", async () => {
    const [{ n }] = await sql`select count(*)::int as n from mismatches`;
    for (const dir of ["desc", "asc"] as const) {
      for (const limit of [7, 50, 120]) {
        const ids = await walk({ ...base, dir, limit });
        expect(ids).toHaveLength(n);
        expect(new Set(ids).size).toBe(n);
        const expected = await sql`select id::int from mismatches order by last_seen_at ${sql.unsafe(dir)}, id ${sql.unsafe(dir)}`;
        expect(ids).toEqual(expected.map((r) => r.id));
      }
    }
  });

  it("sorts by occurrences with keyset pages too, across records seen once and more often, in both directions", async () => {
    // Records seen more than once are read from their partial index, the rest in id order: pages must cross
    // from one to the other exactly (ties in occurrences included).
    const saved = await sql`select id, occurrences from mismatches`;
    await sql`update mismatches set occurrences = 1 + (id % 4) where id % 3 = 0`;
    try {
      for (const dir of ["desc", "asc"] as const) {
        for (const limit of [3, 7, 33, 250]) {
          const ids = await walk({ ...base, sort: "occurrences", dir, limit });
          const expected = await sql`select id::int from mismatches order by occurrences ${sql.unsafe(dir)}, id ${sql.unsafe(dir)}`;
          expect(ids).toEqual(expected.map((r) => r.id));
        }
      }
      const users = await walk({ ...base, sort: "occurrences", table: "users", limit: 10 });
      const expected = await sql`select id::int from mismatches where table_name = 'users' order by occurrences desc, id desc`;
      expect(users).toEqual(expected.map((r) => r.id));
    } finally {
      for (const row of saved) await sql`update mismatches set occurrences = ${row.occurrences} where id = ${row.id}`;
    }
  });

  it("pages through triaged statuses (their partial index) exactly", async () => {
    const saved = await sql`select id, status from mismatches`;
    await sql`update mismatches set status = (array['investigating', 'ignored', 'open'])[1 + id % 3]::mismatch_status`;
    try {
      for (const status of [["investigating"], ["investigating", "ignored"], ["open", "ignored"]] as const) {
        const ids = await walk({ ...base, status: [...status], limit: 9 });
        const expected = await sql`
          select id::int from mismatches where status = any(${[...status]}::mismatch_status[]) order by last_seen_at desc, id desc`;
        expect(ids).toEqual(expected.map((r) => r.id));
        expect(ids.length).toBeGreaterThan(0);
      }
    } finally {
      for (const row of saved) await sql`update mismatches set status = ${row.status}::mismatch_status where id = ${row.id}`;
    }
  });

  it("starts a mangled occurrences cursor from the first page", async () => {
    const garbage = Buffer.from(JSON.stringify(["1; drop table mismatches", 5])).toString("base64url");
    const page = await listMismatches({ ...base, sort: "occurrences", cursor: garbage, limit: 5 });
    const first = await listMismatches({ ...base, sort: "occurrences", limit: 5 });
    expect(page.rows.map((r) => r.id)).toEqual(first.rows.map((r) => r.id));
  });

  it("filters by table, origin, user, field, status and time range", async () => {
    const byTable = await listMismatches({ ...base, table: "users", limit: 500 });
    expect(byTable.rows.every((r) => r.table === "users")).toBe(true);
    expect(byTable.rows).toHaveLength(84);
    const byOrigin = await listMismatches({ ...base, origin: "reconciliation", userId: "user-0", limit: 500 });
    expect(byOrigin.rows.every((r) => r.origin === "reconciliation" && r.userId === "user-0")).toBe(true);
    expect((await listMismatches({ ...base, field: "title", limit: 500 })).rows).toHaveLength(250);
    expect((await listMismatches({ ...base, field: "nope" })).rows).toHaveLength(0);
    expect((await listMismatches({ ...base, status: ["resolved"] })).rows).toHaveLength(0);
    const recent = await listMismatches({ ...base, from: new Date("2026-01-01T09:02:00Z"), to: new Date("2026-01-01T10:00:00Z"), limit: 500 });
    expect(recent.rows.every((r) => r.lastSeenAt >= "2026-01-01 09:02")).toBe(true);
    expect(recent.rows.length).toBeGreaterThan(0);
  });

  it("reads its state from the URL, ignoring nonsense", () => {
    const query = parseMismatchQuery(new URLSearchParams("status=open&status=bogus&origin=telepathy&table=documents&limit=9999&sort=nope"));
    expect(query).toMatchObject({ status: ["open"], origin: undefined, table: "documents", limit: 50, sort: "last_seen", dir: "desc" });
  });

  it("treats a table name with SQL in it as a plain value", async () => {
    const page = await listMismatches({ ...base, table: "documents'; drop table mismatches; --" });
    expect(page.rows).toHaveLength(0);
    const [{ n }] = await sql`select count(*)::int as n from mismatches`;
    expect(n).toBe(250);
  });
});

describe("export", () => {
  it("streams every matching record, more than one page, keys included", async () => {
    const rows = [];
    for await (const row of exportMismatches({ ...base, table: "documents" })) rows.push(row);
    expect(rows).toHaveLength(166);
    expect(rows[0]).toHaveProperty("primaryKey");
    expect(rows[0].differingFields).toEqual(["title", "updated_at"]);
  });
});

describe("bulk changes, detail and groups", () => {
  it("sets status, assignee and a note on many records, audited per record", async () => {
    const [user] = await sql`insert into users (email, name, role, password_hash) values ('eng@x.test', 'Eng', 'engineer', 'x') returning id`;
    const page = await listMismatches({ ...base, limit: 3 });
    const ids = page.rows.map((r) => r.id);
    const changed = await updateMismatches(SYSTEM_ACTOR, ids, { status: "investigating", assigneeId: user.id, note: "looking" });
    expect(changed).toBe(3);
    const rows = await sql`select status, assignee_id from mismatches where id = any(${ids}::bigint[])`;
    expect(rows.every((r) => r.status === "investigating" && r.assignee_id === user.id)).toBe(true);
    const audits = await sql`select entity_id, after from audit_log where action = 'mismatch.update' order by id`;
    expect(audits.map((a) => Number(a.entity_id)).sort()).toEqual([...ids].sort());
    expect(audits[0].after).toMatchObject({ status: "investigating", note: "looking" });
    const detail = await getMismatch(ids[0]);
    expect(detail?.notes.map((n) => n.body)).toEqual(["looking"]);
    expect(detail?.history[0].action).toBe("mismatch.update");
    expect(detail?.assigneeEmail).toBe("eng@x.test");
  });

  it("shows the per-field diff with type-aware classifications on the detail", async () => {
    const detail = await getMismatch((await listMismatches({ ...base, limit: 1 })).rows[0].id);
    expect(detail?.comparison?.fieldDiffs.map((d) => [d.field, d.classification])).toEqual([
      ["title", "value"],
      ["updated_at", "timestamp_precision"],
    ]);
    expect(await getMismatch(999_999_999)).toBeNull();
  });

  it("lists a user's mismatches for the support page", async () => {
    const rows = await listMismatchesForUser("user-1", 5);
    expect(rows).toHaveLength(5);
    expect(rows.every((r) => r.userId === "user-1")).toBe(true);
  });

  it("groups by table + differing fields with counts and a 24-hour trend", async () => {
    const groups = await listMismatchGroups({ now: new Date("2026-01-01T10:30:00Z") });
    expect(groups.map((g) => [g.table, g.records])).toEqual([
      ["documents", 166],
      ["users", 84],
    ]);
    expect(groups[0].differingFields).toEqual(["title", "updated_at"]);
    expect(groups[0].trend).toHaveLength(24);
    expect(groups[0].trend.reduce((a, b) => a + b, 0)).toBe(166);
    expect(groups[0].trend[23]).toBeGreaterThan(0);
  });
});
