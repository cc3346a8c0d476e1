import type postgres from "postgres";
import { z } from "zod";
import {
  checkSchema,
  normalizeAllowList,
  sameDatabase,
  sameDatabaseUrl,
  systemSchemaReason,
  type DatabaseIdentity,
  type GuardVerdict,
} from "../reconciliation/schema-guard";
import type { Actor } from "./audit.server";
import { readSetting, saveSetting, SETTING_KEYS } from "./setting.server";
import { controlSql } from "~/utils/db.server";
import { sideSql } from "~/utils/databases.server";
import { getEnv } from "~/utils/env.server";

export const SCHEMA_ALLOW_LIST_KEY = SETTING_KEYS.schemaAllowList;

const storedAllowList = z.object({ schemas: z.array(z.string()) });

/** The admins' allow-list of schemas reconciliation may touch; empty = every application schema. */
export async function getSchemaAllowList(): Promise<string[]> {
  const parsed = storedAllowList.safeParse(await readSetting(SCHEMA_ALLOW_LIST_KEY));
  return parsed.success ? normalizeAllowList(parsed.data.schemas) : [];
}

/** Saves the allow-list (audited with the previous one). A system schema can never be allowed. */
export async function saveSchemaAllowList(schemas: string[], actor: Actor, reason: string): Promise<GuardVerdict> {
  const refused = schemas.map(systemSchemaReason).find(Boolean);
  if (refused) return { ok: false, message: refused };
  const after = normalizeAllowList(schemas);
  await saveSetting(SCHEMA_ALLOW_LIST_KEY, actor, (stored) => {
    const before = storedAllowList.safeParse(stored);
    return { value: { schemas: after }, action: "reconciliation.schema_allow_list", reason, auditBefore: before.success ? before.data : null };
  });
  return { ok: true };
}

/** Who a connection talks to, or null when the server cannot say (unreachable, or CockroachDB: never the control DB). */
async function databaseIdentity(sql: postgres.Sql): Promise<DatabaseIdentity | null> {
  try {
    const [row] = await sql<{ database: string; started_at: string }[]>`
      select current_database() as database, pg_postmaster_start_time()::text as started_at`;
    // pg_control_system() is often not granted to an application's role: the start time alone then identifies the server.
    const systemIdentifier = await sql<{ id: string }[]>`select system_identifier::text as id from pg_control_system()`.then(
      ([r]) => r?.id ?? null,
      () => null,
    );
    return { database: row.database, startedAt: row.started_at, systemIdentifier };
  } catch {
    return null;
  }
}

/**
 * Whether the source or the target is the control database itself (so a reconciliation could read its sessions,
 * API token hashes and mismatch values, or a repair write to it): the servers are asked who they are; a side that
 * cannot say is compared by its URL instead.
 */
export async function controlDatabaseConflict(
  sides: { source: postgres.Sql; target: postgres.Sql } = { source: sideSql("source"), target: sideSql("target") },
): Promise<string | null> {
  const env = getEnv();
  const control = await databaseIdentity(controlSql());
  for (const [name, sql, url] of [
    ["source", sides.source, env.SOURCE_DATABASE_URL],
    ["target", sides.target, env.TARGET_DATABASE_URL],
  ] as const) {
    const side = control ? await databaseIdentity(sql) : null;
    const same = control && side ? sameDatabase(control, side) : sameDatabaseUrl(url, env.CUTOVER_DATABASE_URL);
    if (same) return `the ${name} database is Cutover's control database: reconciliation never reads or repairs it`;
  }
  return null;
}

/**
 * The one check every way into reconciliation makes (API, new-job form, schedules and their sweeps, a cohort's
 * verified tables, repairs and re-checks, and the worker when a job starts): application schemas only, within the
 * admins' allow-list, never the control database. `sides` are the worker's own connections when it has them.
 */
export async function guardReconciliationTable(
  table: { schemaName: string; tableName: string },
  sides?: { source: postgres.Sql; target: postgres.Sql },
): Promise<GuardVerdict> {
  const schema = checkSchema(table.schemaName, await getSchemaAllowList());
  if (!schema.ok) return schema;
  const conflict = await controlDatabaseConflict(sides);
  return conflict ? { ok: false, message: conflict } : { ok: true };
}

/** The guard over a list of tables (a cohort's verified tables): the first refusal, naming its table. */
export async function guardReconciliationTables(tables: { schemaName: string; tableName: string }[]): Promise<GuardVerdict> {
  const allowList = await getSchemaAllowList();
  for (const t of tables) {
    const verdict = checkSchema(t.schemaName, allowList);
    if (!verdict.ok) return { ok: false, message: `${t.schemaName}.${t.tableName}: ${verdict.message}` };
  }
  const conflict = tables.length ? await controlDatabaseConflict() : null;
  return conflict ? { ok: false, message: conflict } : { ok: true };
}
