import type postgres from "postgres";

export type DatabaseEngine =
  | { engine: "postgresql"; version: string; major: number; versionNum: number; description: string }
  | { engine: "cockroachdb"; version: string; description: string };

const COCKROACH_VERSION = /^CockroachDB\s+\S+\s+(v\d+\.\d+\.\d+\S*)/;
const POSTGRES_VERSION = /^PostgreSQL\s+(\d+)(?:\.(\d+))?/;

/** Parses the answers to `current_setting('crdb_version', true)` and `version()`; pure so it is unit-tested. */
export function parseEngine(crdbVersion: string | null, version: string): DatabaseEngine {
  // CockroachDB claims server_version 13.0.0, so only crdb_version / version() tell the engines apart.
  const cockroach = COCKROACH_VERSION.exec(crdbVersion ?? "") ?? COCKROACH_VERSION.exec(version);
  if (cockroach) return { engine: "cockroachdb", version: cockroach[1], description: crdbVersion ?? version };
  const pg = POSTGRES_VERSION.exec(version);
  if (!pg) throw new Error(`unrecognised database engine: ${version.slice(0, 120)}`);
  const major = Number(pg[1]);
  const minor = Number(pg[2] ?? 0);
  return {
    engine: "postgresql",
    version: pg[2] === undefined ? pg[1] : `${pg[1]}.${pg[2]}`,
    major,
    versionNum: major * 10000 + minor,
    description: version,
  };
}

/** Which engine answers on this connection. One round-trip; assigns no XID. */
export async function detectEngine(sql: postgres.Sql): Promise<DatabaseEngine> {
  const [row] = await sql<{ crdb: string | null; version: string }[]>`
    select current_setting('crdb_version', true) as crdb, version() as version`;
  return parseEngine(row.crdb, row.version);
}
