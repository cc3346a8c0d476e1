import { readdirSync, readFileSync, statSync } from "node:fs";
import path from "node:path";
import { getTableConfig, PgTable } from "drizzle-orm/pg-core";
import { beforeAll, describe, expect, it } from "vitest";
import * as schema from "../../../db/schema";
import { ensureBuilt } from "../../../scripts/runtime";

/**
 * What the browser downloads carries nothing of the control store: no drizzle code, no table of the control
 * schema, no column name that is not also part of the public vocabulary (the allow-list says why each is).
 */
const PUBLIC_WORDS: Record<string, string> = {
  user_id: "a placeholder naming a column of the application's tables (the reconciliation form's user column)",
  missing_in_target: "a mismatch kind: the wire contract the client and the API share",
  extra_in_target: "a mismatch kind: the wire contract the client and the API share",
  value_mismatch: "a mismatch kind: the wire contract the client and the API share",
  mirrored_writes: "a schema-drift path name (what a drift breaks), not the simulator's column",
};

let bundle = "";

beforeAll(() => {
  ensureBuilt();
  const files: string[] = [];
  const walk = (dir: string) => {
    for (const name of readdirSync(dir)) {
      const file = path.join(dir, name);
      if (statSync(file).isDirectory()) walk(file);
      else if (file.endsWith(".js")) files.push(file);
    }
  };
  walk(path.resolve("public/build"));
  bundle = files.map((file) => readFileSync(file, "utf8")).join("\n");
}, 120_000);

const tables = (Object.values(schema) as unknown[]).filter((value): value is PgTable => value instanceof PgTable).map((table) => getTableConfig(table));
const quoted = (name: string) => new RegExp(`["'\`]${name}["'\`]`);

describe("the browser bundle", () => {
  it("holds no drizzle code", () => {
    expect(bundle.length).toBeGreaterThan(100_000);
    expect(bundle).not.toMatch(/drizzle/i);
  });

  it("names no table of the control schema", () => {
    // one-word names (users, settings, cohorts) are ordinary words of the UI: the compound ones are the schema's
    const compound = tables.map((t) => t.name).filter((name) => name.includes("_"));
    expect(compound).toContain("api_tokens");
    expect(compound.filter((name) => quoted(name).test(bundle))).toEqual([]);
  });

  it("names no column of the control schema beyond the public vocabulary", () => {
    const columns = [...new Set(tables.flatMap((t) => t.columns.map((c) => c.name)))].filter((name) => name.includes("_") && !(name in PUBLIC_WORDS));
    expect(columns).toContain("password_hash");
    expect(columns.filter((name) => quoted(name).test(bundle))).toEqual([]);
  });
});
