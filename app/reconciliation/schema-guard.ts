/**
 * Which schemas reconciliation (and the backfill that reuses it) may read and repair: application schemas only.
 * Pure logic; the server check that adds the admins' allow-list and the control database is
 * app/models/schema-guard.server.ts, the one place every entry point calls.
 */

/** System schemas by name; every `pg_` schema is refused too (pg_toast, pg_temp_N, pg_toast_temp_N, pg_extension). */
const SYSTEM_SCHEMAS = new Set(["pg_catalog", "information_schema", "pg_toast", "crdb_internal", "pg_extension"]);

/**
 * A name as the guard compares it: quotes taken off (`"pg_catalog"` -> pg_catalog, `""` -> `"`), then lower-cased.
 * Lower-casing a quoted name too is deliberate: a quoted "PG_CATALOG" is not the system schema, but refusing it
 * costs nothing, whereas any way of spelling pg_catalog that slipped through would read it.
 */
export function guardName(name: string): string {
  const trimmed = name.trim();
  const unquoted = trimmed.length >= 2 && trimmed.startsWith('"') && trimmed.endsWith('"') ? trimmed.slice(1, -1).replace(/""/g, '"') : trimmed;
  return unquoted.toLowerCase();
}

/** Why a schema is a system schema, or null for an application schema. */
export function systemSchemaReason(schemaName: string): string | null {
  const name = guardName(schemaName);
  // PostgreSQL reserves the pg_ prefix for system schemas (CREATE SCHEMA refuses it), so none is an application's.
  if (SYSTEM_SCHEMAS.has(name) || name.startsWith("pg_")) {
    return `${schemaName} is a system schema: reconciliation reads and repairs application schemas only`;
  }
  return null;
}

/** The admins' allow-list, each schema as guardName() spells it; empty allows every application schema. */
export function normalizeAllowList(schemas: readonly string[]): string[] {
  return [...new Set(schemas.map(guardName).filter(Boolean))].sort();
}

export type GuardVerdict = { ok: true } | { ok: false; message: string };

/** The table-name part of the guard: system schemas, then the allow-list. */
export function checkSchema(schemaName: string, allowList: readonly string[]): GuardVerdict {
  const system = systemSchemaReason(schemaName);
  if (system) return { ok: false, message: system };
  const allowed = normalizeAllowList(allowList);
  if (allowed.length && !allowed.includes(guardName(schemaName))) {
    return { ok: false, message: `schema ${schemaName} is not in the reconciliation allow-list (Settings): ${allowed.join(", ")}` };
  }
  return { ok: true };
}

/** What identifies a database across connections: the database, on one server (start time, system identifier). */
export interface DatabaseIdentity {
  database: string;
  /** pg_postmaster_start_time() to the microsecond: two servers started the same microsecond are not a concern. */
  startedAt: string | null;
  /** pg_control_system().system_identifier, when the role may read it (also shared by physical replicas). */
  systemIdentifier: string | null;
}

export function sameDatabase(a: DatabaseIdentity, b: DatabaseIdentity): boolean {
  if (a.database !== b.database) return false;
  if (a.systemIdentifier && b.systemIdentifier) return a.systemIdentifier === b.systemIdentifier;
  return a.startedAt !== null && a.startedAt === b.startedAt;
}

const LOCAL_HOSTS = new Set(["localhost", "127.0.0.1", "::1", "[::1]", ""]);

/**
 * The fallback when a side cannot be asked who it is: whether two connection URLs name the same database
 * (host, port and database; localhost spellings alike, a socket directory given as ?host= included).
 */
export function sameDatabaseUrl(a: string, b: string): boolean {
  const key = (value: string) => {
    const url = new URL(value);
    let host = (url.searchParams.get("host") ?? url.hostname).toLowerCase();
    if (LOCAL_HOSTS.has(host) || host.startsWith("/")) host = "local";
    const database = decodeURIComponent(url.pathname.replace(/^\//, "")) || decodeURIComponent(url.username);
    return `${host}:${url.port || "5432"}/${database}`;
  };
  try {
    return key(a) === key(b);
  } catch {
    return false;
  }
}
