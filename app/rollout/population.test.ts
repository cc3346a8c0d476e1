import { describe, expect, it } from "vitest";
import { DEFAULT_POPULATION_SOURCE, describeBasis, parseStoredPopulationSource, populationSourceSchema, type SampleBasis } from "./population";

describe("population source", () => {
  it("defaults to the demo's users table, counted by the planner estimate, with equal writes per user", () => {
    expect(DEFAULT_POPULATION_SOURCE).toEqual({
      schema: "public",
      table: "users",
      idColumn: "id",
      regionColumn: "region",
      countryColumn: "country",
      schoolIdColumn: "school_id",
      planColumn: "plan",
      emailColumn: "email",
      countMethod: "estimate",
      countTimeoutMs: 5000,
      weightKind: "equal",
      weightColumn: null,
      activity: null,
    });
    expect(parseStoredPopulationSource({ table: 42 })).toEqual(DEFAULT_POPULATION_SOURCE);
  });

  it("treats an empty attribute column as not mapped and requires a weight column when weights come from one", () => {
    const parsed = populationSourceSchema.parse({ table: "accounts", regionColumn: "", weightKind: "equal" });
    expect(parsed.regionColumn).toBeNull();
    const missing = populationSourceSchema.safeParse({ weightKind: "column", weightColumn: "" });
    expect(missing.success).toBe(false);
    expect(missing.error?.issues[0]).toMatchObject({ path: ["weightColumn"] });
    expect(populationSourceSchema.safeParse({ table: "x".repeat(64) }).success).toBe(false);
    expect(populationSourceSchema.safeParse({ countTimeoutMs: "50" }).success).toBe(false);
  });
});

describe("figure labels", () => {
  const basis: SampleBasis = {
    table: '"public"."users"',
    sampled: 20_000,
    population: 20_000,
    populationMethod: "exact",
    populationNote: null,
    weightKind: "equal",
    weightColumn: null,
    activity: null,
  };

  it("calls a whole-table read exact and equal weights an estimate", () => {
    const labels = describeBasis(basis);
    expect(labels.users).toEqual({ kind: "exact", text: 'exact: all 20,000 users of "public"."users" evaluated' });
    expect(labels.writes).toEqual({ kind: "estimated", text: "estimated, assuming equal writes per user" });
  });

  it("calls a sample scaled to a count sampled, and scaled to the planner's estimate estimated", () => {
    const counted = describeBasis({ ...basis, population: 3_000_000, weightKind: "column", weightColumn: "writes per day" });
    expect(counted.users.kind).toBe("sampled");
    expect(counted.users.text).toContain("3,000,000 users (exact count)");
    expect(counted.writes).toEqual({ kind: "sampled", text: 'sampled: writes per user from "writes per day" of 20,000 sampled users' });
    const estimated = describeBasis({
      ...basis,
      population: 3_000_000,
      populationMethod: "estimated",
      populationNote: "the exact count took longer than 5,000 ms",
    });
    expect(estimated.users.kind).toBe("estimated");
    expect(estimated.users.text).toContain("~3,000,000 users (planner estimate; the exact count took longer than 5,000 ms)");
  });
});
