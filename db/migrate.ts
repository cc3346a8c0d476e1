import path from "node:path";
import { fileURLToPath } from "node:url";
import { drizzle } from "drizzle-orm/postgres-js";
import { migrate } from "drizzle-orm/postgres-js/migrator";
import postgres from "postgres";
import { keyShapeOf } from "../app/normalization/primary-key";
import { describeTable } from "../app/reconciliation/catalog";
import { splitReportedTable } from "../app/models/primary-key-shape.server";
import { mergeMismatchIdentities, type StepKeyShapeReader } from "./migration-steps/merge-mismatch-identities";

const migrationsFolder = path.join(path.dirname(fileURLToPath(import.meta.url)), "migrations");

export interface MigrationOptions {
  /** The source database, whose catalog gives the key columns stored records are re-keyed with (0008). */
  sourceUrl?: string;
}

/**
 * Applies the committed control-plane migrations, then the steps SQL cannot express (db/migration-steps), each
 * once. Several processes may start at once against one control DB, so an advisory lock makes them take turns
 * instead of racing on the same DDL.
 */
export async function runMigrations(url: string, { sourceUrl = process.env.SOURCE_DATABASE_URL }: MigrationOptions = {}) {
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  const source = sourceUrl ? postgres(sourceUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 }) : null;
  try {
    await sql`select pg_advisory_lock(${MIGRATION_LOCK})`;
    try {
      await migrate(drizzle(sql), { migrationsFolder });
      await mergeMismatchIdentities(sql, sourceKeyShapes(source));
    } finally {
      await sql`select pg_advisory_unlock(${MIGRATION_LOCK})`;
    }
  } finally {
    await Promise.all([sql.end({ timeout: 5 }), source?.end({ timeout: 5 })]);
  }
}

/** Key shapes from the source's catalog; without a source every key takes the fallback form, as ingestion does. */
function sourceKeyShapes(source: postgres.Sql | null): StepKeyShapeReader {
  return async (name) => {
    if (!source) return null;
    const { schema, table } = splitReportedTable(name);
    return keyShapeOf((await describeTable(source, schema, table)).table);
  };
}

// An arbitrary constant: "cutover" in ASCII (0x6375746f766572), to stay clear of other applications' advisory locks.
// That hex is too wide for a double; this is the value it has always been rounded to, so every version takes one lock.
const MIGRATION_LOCK = 27995165641041264;
