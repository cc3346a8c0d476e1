import { describe, expect, it } from "vitest";
import { checkSchema, guardName, sameDatabase, sameDatabaseUrl, systemSchemaReason } from "./schema-guard";

describe("schema guard", () => {
  it("refuses system schemas however they are spelled", () => {
    for (const schema of [
      "pg_catalog",
      "PG_CATALOG",
      '"pg_catalog"',
      '"PG_Catalog"',
      "information_schema",
      "Information_Schema",
      "pg_toast",
      "pg_temp_3",
      "pg_toast_temp_3",
      "crdb_internal",
      "CRDB_INTERNAL",
      "pg_extension",
      " pg_catalog ",
    ]) {
      expect(systemSchemaReason(schema), schema).toMatch(/system schema/);
    }
  });

  it("lets application schemas through, the allow-list narrowing them", () => {
    expect(checkSchema("public", [])).toEqual({ ok: true });
    expect(checkSchema("app", ["public"])).toMatchObject({ ok: false, message: expect.stringMatching(/allow-list/) });
    expect(checkSchema('"App"', ["app"])).toEqual({ ok: true });
    expect(checkSchema("pg_catalog", ["pg_catalog"])).toMatchObject({ ok: false, message: expect.stringMatching(/system schema/) });
  });

  it("takes quotes off the way PostgreSQL reads them", () => {
    expect(guardName('"a""b"')).toBe('a"b');
    expect(guardName("Public")).toBe("public");
  });

  it("tells one database from another", () => {
    const a = { database: "control", startedAt: "2026-12-02 13:00:00.123456+00", systemIdentifier: null };
    expect(sameDatabase(a, { ...a })).toBe(true);
    expect(sameDatabase(a, { ...a, database: "source" })).toBe(false);
    expect(sameDatabase(a, { ...a, startedAt: "2026-12-02 13:00:00.123457+00" })).toBe(false);
    expect(sameDatabase({ ...a, systemIdentifier: "1" }, { ...a, systemIdentifier: "2" })).toBe(false);
    expect(sameDatabaseUrl("postgres://u:p@localhost/control", "postgresql://v@127.0.0.1:5432/control")).toBe(true);
    expect(sameDatabaseUrl("postgres://u@localhost:5433/control", "postgres://u@localhost:5432/control")).toBe(false);
    expect(sameDatabaseUrl("postgres://u@db1/control", "postgres://u@db1/source")).toBe(false);
  });
});
