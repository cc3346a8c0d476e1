import { AFFECTED_PATHS } from "../../../app/schema-parity/drift";
import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { getTableConfig, PgTable as PgTableClass, type PgTable } from "drizzle-orm/pg-core";
import { is } from "drizzle-orm";
import { describe, expect, it } from "vitest";
import * as schema from "../../../db/schema";
import { MISMATCH_KINDS, MISMATCH_ORIGINS, MISMATCH_STATUSES } from "../../../app/mismatches/contract";

// The browser bundle must not carry the control schema: its table and column names map the database for anyone
// who opens the dev tools, and drizzle's table builder is server code. `npm test` builds before it tests; a
// checkout without a build is built here.
const BUILD = join(process.cwd(), "public", "build");

function bundleFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return bundleFiles(path);
    return entry.name.endsWith(".js") ? [path] : [];
  });
}

/**
 * The schema's own identifiers that cannot be ordinary words: table and column names with an underscore
 * (`api_tokens`, `password_hash`). Single words (`users`, `status`) are also labels and props the UI uses.
 */
function schemaIdentifiers(): string[] {
  const names = new Set<string>();
  for (const value of Object.values(schema)) {
    if (!is(value, PgTableClass)) continue;
    const config = getTableConfig(value as PgTable);
    names.add(config.name);
    for (const column of config.columns) names.add(column.name);
  }
  // Public words that a column also happens to be named: the mismatch kinds, origins and statuses are the wire
  // contract the filters offer (reconciliation counts columns are named after the kinds), and `user_id` is the
  // placeholder for the application's own user column.
  // The schema page names the paths drift breaks (AFFECTED_PATHS); `mirrored_writes` is one, and by chance also a
  // column of the simulator's minutes: a public word, not a leak.
  const publicWords = new Set<string>([...MISMATCH_KINDS, ...MISMATCH_ORIGINS, ...MISMATCH_STATUSES, ...AFFECTED_PATHS, "user_id"]);
  return [...names].filter((name) => name.includes("_") && !publicWords.has(name)).sort();
}

describe("the browser bundle", () => {
  it("carries no control-schema table or column name and no drizzle code", () => {
    if (!existsSync(BUILD)) execFileSync("npx", ["remix", "build"], { stdio: "inherit" });
    const files = bundleFiles(BUILD);
    expect(files.length).toBeGreaterThan(0);
    const identifiers = schemaIdentifiers();
    // The list is the schema's, so it grows with it; these are the names that must never leak.
    expect(identifiers).toEqual(expect.arrayContaining(["api_tokens", "password_hash", "mismatch_inbox", "token_hash"]));
    const found: string[] = [];
    for (const file of files) {
      const text = readFileSync(file, "utf8");
      for (const name of identifiers) {
        // Quoted as drizzle writes them ("api_tokens"), so prose in a sentence ("api tokens") does not count.
        if (text.includes(`"${name}"`) || text.includes(`'${name}'`)) found.push(`${name} in ${file.slice(BUILD.length + 1)}`);
      }
      for (const marker of ["drizzle:", "PgTable", "PgColumn"]) {
        if (text.includes(marker)) found.push(`drizzle code (${marker}) in ${file.slice(BUILD.length + 1)}`);
      }
    }
    expect(found).toEqual([]);
  });
});
