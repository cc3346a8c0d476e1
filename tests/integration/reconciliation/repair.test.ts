import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { prepareReconciliation } from "../../../app/reconciliation/context";
import { reconcileTable } from "../../../app/reconciliation/engine";
import { applyRepair, planRepair } from "../../../app/reconciliation/repair";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("repair_src"), createScratchDatabase("repair_tgt")]);
  for (const db of [source, target]) {
    await db.sql.unsafe(`
      create table enrolments (school text, student int, grade numeric(4,1), at timestamptz, tags text[], doc jsonb, blob bytea,
        primary key (school, student));
      insert into enrolments select 'Ecole ' || (g % 7), g, g % 100 / 10.0, timestamptz '2024-01-01 08:00:00.123456+00' + g * interval '1 hour',
        array['t' || g], jsonb_build_object('g', g), decode(md5(g::text), 'hex') from generate_series(1, 500) g;`);
  }
  await target.sql.unsafe(`
    delete from enrolments where student in (3, 250);
    insert into enrolments (school, student, grade) values ('Zoo', 1, 9.9);
    update enrolments set grade = 0, at = at + interval '1 microsecond', tags = null where student = 17;
    update enrolments set doc = '{"g": "changed"}', blob = null where student = 400;`);
});

afterAll(async () => {
  await Promise.all([source?.drop(), target?.drop()]);
});

describe("repair", () => {
  it("plans exactly the target changes (dry run), applies them, and re-verifies clean", async () => {
    const before = await reconcileTable(source.sql, target.sql, { table: "enrolments", recheckDelayMs: 5, inFlightWindowMs: 0 });
    expect(before.counts).toEqual({ missing_in_target: 2, extra_in_target: 1, value_mismatch: 2 });

    const { context } = await prepareReconciliation(source.sql, target.sql, { table: "enrolments" });
    const plan = await planRepair(
      context!,
      before.differences.map((d) => d.key),
    );
    expect(plan.counts).toEqual({ insert: 2, update: 2, delete: 1 });
    expect(plan.actions.map((a) => `${a.action}:${a.key.join("/")}:${Object.keys(a.values).sort().join(",")}`).sort()).toEqual(
      [
        "delete:Zoo/1:",
        "insert:Ecole 3/3:at,blob,doc,grade,school,student,tags",
        "insert:Ecole 5/250:at,blob,doc,grade,school,student,tags",
        "update:Ecole 1/400:blob,doc",
        "update:Ecole 3/17:at,grade,tags",
      ].sort(),
    );
    // a dry run changes nothing
    expect((await reconcileTable(source.sql, target.sql, { table: "enrolments", recheckDelayMs: 5, inFlightWindowMs: 0 })).differences).toHaveLength(5);

    const result = await applyRepair(context!, target.sql, plan, 2);
    expect(result.applied).toBe(5);
    expect(result.remaining.map((d) => [d.kind, d.columns, d.source, d.target])).toEqual([]);
    const after = await reconcileTable(source.sql, target.sql, { table: "enrolments", recheckDelayMs: 5, inFlightWindowMs: 0 });
    expect(after.differences).toEqual([]);
    const [row] = await target.sql`select at::text, tags, encode(blob, 'hex') as blob from enrolments where student = 17`;
    const [expected] = await source.sql`select at::text, tags, encode(blob, 'hex') as blob from enrolments where student = 17`;
    expect(row).toEqual(expected);
  });
});
