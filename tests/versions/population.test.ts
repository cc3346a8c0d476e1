import { afterAll, beforeAll, describe, expect, inject, it } from "vitest";
import { populationSourceSchema } from "../../app/rollout/population";
import { createControlDatabase } from "../support/control-db";
import { createScratchDatabase, testSourceServerUrl, type ScratchDatabase } from "../support/databases";

// The rollout's population sampler against the source major under test: the catalog pickers (partitioned tables
// summed through pg_partition_tree), TABLESAMPLE of a large table, the exact count and activity weights.
const major = inject("testSourceMajor");
let control: ScratchDatabase;
let source: ScratchDatabase;
let model: typeof import("../../app/models/rollout-population.server");
let catalog: typeof import("../../app/models/source-catalog.server");

beforeAll(async () => {
  [control, source] = await Promise.all([createControlDatabase("v_pop_ctl"), createScratchDatabase("v_pop_src", testSourceServerUrl())]);
  process.env.CUTOVER_DATABASE_URL = control.url;
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = control.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  model = await import("../../app/models/rollout-population.server");
  catalog = await import("../../app/models/source-catalog.server");
  await source.sql.unsafe(`
    create table accounts (account_id bigint, zone text, plan text, writes numeric) partition by list (zone);
    create table accounts_eu partition of accounts for values in ('eu');
    create table accounts_us partition of accounts for values in ('us');
    insert into accounts select g, case when g % 4 = 0 then 'eu' else 'us' end, 'district', g % 3 from generate_series(1, 60000) g;
    create table clicks (account_id bigint);
    insert into clicks select 1 + g % 100 from generate_series(1, 3000) g;
    analyze accounts_eu; analyze accounts_us; analyze accounts; analyze clicks;`);
});
afterAll(async () => {
  const { closeSideConnections } = await import("../../app/utils/databases.server");
  const { closeControlDb } = await import("../../app/utils/db.server");
  await closeSideConnections();
  await closeControlDb();
  await Promise.all([control?.drop(), source?.drop()]);
});

const mapping = (extra: Record<string, unknown> = {}) =>
  populationSourceSchema.parse({
    table: "accounts",
    idColumn: "account_id",
    regionColumn: "zone",
    countryColumn: "",
    schoolIdColumn: "",
    planColumn: "plan",
    ...extra,
  });

describe(`population sampler on source PostgreSQL ${major}`, () => {
  it("lists the tables (a partitioned one with its partitions' estimate) and their columns", async () => {
    const tables = await catalog.listSourceTables();
    expect(tables.map((t) => t.name)).toEqual(["accounts", "clicks"]);
    expect(tables[0].estimate).toBeGreaterThan(50_000);
    const columns = await catalog.listSourceColumns("public", "accounts");
    expect(columns?.map((c) => `${c.name}:${c.typeName}:${c.category}`)).toEqual(["account_id:int8:N", "zone:text:S", "plan:text:S", "writes:numeric:N"]);
  });

  it("samples a large table, counts it exactly on request, and weighs writers by a column or activity rows", async () => {
    const estimated = await model.checkPopulationSource(mapping());
    if (!estimated.ok) throw new Error(JSON.stringify(estimated.errors));
    expect(estimated.sample.basis.populationMethod).toBe("estimated");
    expect(estimated.sample.users.length).toBeGreaterThan(1_000);
    expect(estimated.sample.users.length).toBeLessThanOrEqual(20_000);
    expect(new Set(estimated.sample.users.map((u) => u.attributes?.region))).toEqual(new Set(["eu", "us"]));

    const exact = await model.checkPopulationSource(mapping({ countMethod: "exact", weightKind: "column", weightColumn: "writes" }));
    if (!exact.ok) throw new Error(JSON.stringify(exact.errors));
    expect(exact.sample.population).toBe(60_000);
    expect(exact.sample.basis.populationMethod).toBe("exact");
    expect(exact.sample.users.every((u) => typeof u.writeWeight === "number")).toBe(true);

    const activity = await model.checkPopulationSource(
      mapping({ weightKind: "activity", activity: { schema: "public", table: "clicks", column: "account_id" } }),
    );
    if (!activity.ok) throw new Error(JSON.stringify(activity.errors));
    expect(activity.sample.writers).toHaveLength(100);
    expect(activity.sample.basis.activity).toMatchObject({ rows: 3000, whole: true });
  });

  it("refuses a mapping whose columns the source does not have, naming them", async () => {
    const check = await model.checkPopulationSource(mapping({ regionColumn: "nowhere" }));
    expect(check.ok).toBe(false);
    if (!check.ok) expect(Object.values(check.errors).join(" ")).toMatch(/nowhere/);
  });
});
