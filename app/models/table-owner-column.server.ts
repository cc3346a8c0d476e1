import { and, eq } from "drizzle-orm";
import { tableOwnerColumns } from "../../db/schema";
import { comparableType, describeTable } from "../reconciliation/catalog";
import { recordAudit, type Actor } from "./audit.server";
import { getPopulationSource } from "./rollout-population.server";
import { listForeignKeyColumnsTo } from "./source-catalog.server";
import { redactError, sideSql } from "~/utils/databases.server";
import { controlDb } from "~/utils/db.server";

export type TableOwnerColumn = typeof tableOwnerColumns.$inferSelect;

/** The table's owner (user id) column, or null: the table keeps whole-table meaning. */
export async function getOwnerColumn(schemaName: string, tableName: string): Promise<string | null> {
  const [row] = await controlDb()
    .select({ columnName: tableOwnerColumns.columnName })
    .from(tableOwnerColumns)
    .where(and(eq(tableOwnerColumns.schemaName, schemaName), eq(tableOwnerColumns.tableName, tableName)));
  return row?.columnName ?? null;
}

export async function listOwnerColumns(): Promise<TableOwnerColumn[]> {
  return controlDb().select().from(tableOwnerColumns).orderBy(tableOwnerColumns.schemaName, tableOwnerColumns.tableName);
}

export type OwnerColumnCheck = { ok: true } | { ok: false; message: string };

/** The column exists on both sides with the same type (as reconciliation compares types across engines). */
export async function checkOwnerColumn(schemaName: string, tableName: string, column: string): Promise<OwnerColumnCheck> {
  const label = `${schemaName}.${tableName}`;
  try {
    const [source, target] = await Promise.all([
      describeTable(sideSql("source"), schemaName, tableName),
      describeTable(sideSql("target"), schemaName, tableName),
    ]);
    const found = { source: source.table?.columns.find((c) => c.name === column), target: target.table?.columns.find((c) => c.name === column) };
    for (const side of ["source", "target"] as const) {
      const table = side === "source" ? source.table : target.table;
      if (!table) return { ok: false, message: `${label} does not exist on the ${side}` };
      if (!found[side]) return { ok: false, message: `owner column ${column}: ${label} has no column ${column} on the ${side}` };
    }
    if (comparableType(found.source!) !== comparableType(found.target!)) {
      return { ok: false, message: `owner column ${column} is ${found.source!.type} on the source but ${found.target!.type} on the target` };
    }
  } catch (error) {
    return { ok: false, message: `could not read the catalogs: ${redactError(error)}` };
  }
  return { ok: true };
}

/**
 * Columns whose single-column foreign key points at the rollout population's users table (Settings): the likely
 * owner columns, offered as suggestions.
 */
export async function suggestOwnerColumns(limit = 200): Promise<{ schemaName: string; tableName: string; columnName: string }[]> {
  const population = await getPopulationSource();
  return listForeignKeyColumnsTo(population, limit);
}

/**
 * The owner column a new job uses: the one asked for (null: none), else the table's from Settings; checked on
 * both sides either way, since a column may have been dropped or retyped since it was set.
 */
export async function resolveOwnerColumn(
  schemaName: string,
  tableName: string,
  requested: string | null | undefined,
): Promise<{ ok: true; column: string | null } | { ok: false; message: string }> {
  const column = requested === undefined ? await getOwnerColumn(schemaName, tableName) : requested;
  if (column === null) return { ok: true, column };
  const check = await checkOwnerColumn(schemaName, tableName, column);
  return check.ok ? { ok: true, column } : check;
}

/** Sets (or, with null, clears) a table's owner column after checking it on both sides; audited with the reason. */
export async function setOwnerColumn(
  actor: Actor,
  input: { schemaName: string; tableName: string; columnName: string | null },
  reason: string,
): Promise<OwnerColumnCheck> {
  if (input.columnName) {
    const check = await checkOwnerColumn(input.schemaName, input.tableName, input.columnName);
    if (!check.ok) return check;
  }
  await controlDb().transaction(async (tx) => {
    const where = and(eq(tableOwnerColumns.schemaName, input.schemaName), eq(tableOwnerColumns.tableName, input.tableName));
    const [before] = await tx.select().from(tableOwnerColumns).where(where);
    if (input.columnName) {
      await tx
        .insert(tableOwnerColumns)
        .values({ schemaName: input.schemaName, tableName: input.tableName, columnName: input.columnName, updatedBy: actor.label })
        .onConflictDoUpdate({
          target: [tableOwnerColumns.schemaName, tableOwnerColumns.tableName],
          set: { columnName: input.columnName, updatedBy: actor.label, updatedAt: new Date() },
        });
    } else {
      await tx.delete(tableOwnerColumns).where(where);
    }
    await recordAudit(
      actor,
      {
        action: "reconciliation.owner_column",
        entityType: "table",
        entityId: `${input.schemaName}.${input.tableName}`,
        before: before ? { column: before.columnName } : null,
        after: input.columnName ? { column: input.columnName } : null,
        reason,
      },
      tx,
    );
  });
  return { ok: true };
}
