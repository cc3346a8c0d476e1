import type { DatabaseEngine } from "./engine.server";

/** The oldest source PostgreSQL Cutover supports (and tests, with every major up to 18). */
export const OLDEST_SOURCE_MAJOR = 12;
export const NEWEST_TESTED_SOURCE_MAJOR = 18;

/**
 * Why this source cannot be migrated with Cutover, or null when it can. Below 12 the collectors, the catalog
 * reads and the health collectors use what 11 lacks (pg_partition_tree for partitioned users tables, for one),
 * and no 11 is tested: it is refused at start-up rather than failing page by page.
 */
export function unsupportedSourceReason(engine: DatabaseEngine): string | null {
  if (engine.engine !== "postgresql" || engine.major >= OLDEST_SOURCE_MAJOR) return null;
  return (
    `the source database (SOURCE_DATABASE_URL) runs PostgreSQL ${engine.version}, older than the oldest supported version, ` +
    `PostgreSQL ${OLDEST_SOURCE_MAJOR}: upgrade the source to ${OLDEST_SOURCE_MAJOR} or later (${OLDEST_SOURCE_MAJOR} to ${NEWEST_TESTED_SOURCE_MAJOR} are tested).`
  );
}
