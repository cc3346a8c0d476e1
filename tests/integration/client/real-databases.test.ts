import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { NormalizationRule } from "../../../app/normalization";
import { createCutoverClient, type CutoverClient } from "../../../client/src/index";
import { startFakeControlPlane, waitFor, type FakeControlPlane } from "../../../client/test-support/fake-control-plane";
import { testRuleset } from "../../../client/test-support/rulesets";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

/**
 * The client's write/read helpers around two real databases through postgres.js, the way an application uses
 * them: "source" plays PostgreSQL, "target" plays CockroachDB (a second database whose schema differs the way
 * the real target's does: numeric scale and an extra constraint).
 */
describe("client read/write against two real databases", () => {
  let source: ScratchDatabase;
  let target: ScratchDatabase;
  let plane: FakeControlPlane;
  let client: CutoverClient;

  const scaleRule: NormalizationRule = {
    id: "rule-scale",
    kind: "numeric_scale",
    table: "documents",
    column: "score",
    author: "test",
    reason: "target column declared without scale",
    expiresAt: null,
  };

  beforeAll(async () => {
    [source, target] = await Promise.all([createScratchDatabase("client_src"), createScratchDatabase("client_tgt")]);
    await source.sql`create table documents (id int primary key, title text not null, score numeric(6,2) not null)`;
    await target.sql`create table documents (id int primary key, title text not null check (title <> 'forbidden'), score numeric not null)`;
    plane = await startFakeControlPlane();
    plane.setRuleset(testRuleset(1));
    client = createCutoverClient({
      url: plane.url,
      token: plane.token,
      pollIntervalMs: 60_000,
      reporter: { flushIntervalMs: 60_000 },
    });
    await client.ready();
  });
  afterAll(async () => {
    await client?.close(100);
    await plane?.close();
    await Promise.all([source?.drop(), target?.drop()]);
  });

  const insert = (id: number, title: string, score: string) => ({
    source: () => source.sql`insert into documents ${source.sql({ id, title, score })}`.then(() => id),
    target: () => target.sql`insert into documents ${target.sql({ id, title, score })}`.then(() => id),
  });
  const byId = (id: number) => ({
    source: () => source.sql`select id, title, score from documents where id = ${id}`.then((rows) => rows[0] ?? null),
    target: () => target.sql`select id, title, score from documents where id = ${id}`.then((rows) => rows[0] ?? null),
  });

  it("mirrors a dual_write insert to both databases, source first", async () => {
    await client.write("user-dual_write", insert(1, "Essay", "1.10"), { table: "documents", primaryKey: "1" });
    const [s] = await source.sql`select title, score::text as score from documents where id = 1`;
    const [t] = await target.sql`select title, score::text as score from documents where id = 1`;
    expect(s).toEqual({ title: "Essay", score: "1.10" });
    expect(t).toEqual({ title: "Essay", score: "1.10" });
  });

  it("keeps the user's write when the target rejects it, and reports a write_error", async () => {
    const id = await client.write("user-dual_write", insert(2, "forbidden", "2.00"), {
      table: "documents",
      primaryKey: "2",
      value: { id: 2, title: "forbidden" },
    });
    expect(id).toBe(2);
    expect(await source.sql`select 1 from documents where id = 2`).toHaveLength(1);
    expect(await target.sql`select 1 from documents where id = 2`).toHaveLength(0);
    expect(await client.reporter.flush()).toBe(true);
    const reported = plane.processed.flatMap((b) => b.mismatches).find((m) => m.primaryKey === "2")!;
    expect(reported).toMatchObject({ origin: "dual_write_error", kind: "write_error", table: "documents" });
    expect((reported.targetValue as { error: string; code: string }).code).toBe("23514");
  });

  it("serves the source's row in shadow_read and finds the rows the target lacks or holds differently", async () => {
    // Row 1 now differs only in numeric scale (1.10 vs 1.1), which the rule makes equal; row 2 exists only in the
    // source (the failed mirror above); row 3 differs in its title.
    await target.sql`update documents set score = 1.1 where id = 1`;
    await source.sql`insert into documents values (3, 'Lab report', 5.50)`;
    await target.sql`insert into documents values (3, 'Lab rep0rt', 5.5)`;
    plane.processed.length = 0;
    const before = client.counters().comparisons;
    for (const id of [1, 2, 3]) {
      const row = await client.read("user-shadow_read", byId(id), {
        compare: { table: "documents", primaryKey: "id", rules: [scaleRule] },
      });
      expect(row?.id).toBe(id);
    }
    await waitFor(() => client.counters().comparisons === before + 3, 5_000, "three comparisons");
    expect(await client.reporter.flush()).toBe(true);
    const found = plane.processed.flatMap((b) => b.mismatches).map((m) => [m.kind, m.primaryKey]);
    expect(found.sort()).toEqual([
      ["missing_in_target", { id: "2" }],
      ["value_mismatch", { id: "3" }],
    ]);
    expect(plane.processed.flatMap((b) => b.comparisons)).toEqual([expect.objectContaining({ table: "documents", compared: 3, mismatched: 2, cohort: null })]);
  });

  it("without the scale rule, 1.10 against an unscaled 1.1 is a value mismatch", async () => {
    plane.processed.length = 0;
    const before = client.counters().comparisons;
    await client.read("user-shadow_read", byId(1), { compare: { table: "documents" } });
    await waitFor(() => client.counters().comparisons === before + 1);
    expect(await client.reporter.flush()).toBe(true);
    expect(plane.processed[0].mismatches).toEqual([
      expect.objectContaining({
        kind: "value_mismatch",
        primaryKey: { id: "1" },
        sourceValue: expect.objectContaining({ score: "1.10" }),
      }),
    ]);
  });
});
