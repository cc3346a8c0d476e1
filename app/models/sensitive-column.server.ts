import { hkdfSync } from "node:crypto";
import { and, asc, eq, sql } from "drizzle-orm";
import { sensitiveColumns } from "../../db/schema";
import { SensitiveMask, sensitiveTableKey, type SensitiveColumn } from "../sensitive/sensitive-values";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb, controlSql, type ControlTx } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";
import { singleton } from "~/utils/singleton.server";

export type SensitiveColumnRow = typeof sensitiveColumns.$inferSelect;

/**
 * The HMAC key, derived from SESSION_SECRET (HKDF, its own label): never stored next to the hashes it keys.
 * A new SESSION_SECRET makes new hashes, so values hashed before and after compare as different.
 */
export function sensitiveHashKey(): Buffer {
  return singleton("sensitive-hash-key", () => Buffer.from(hkdfSync("sha256", getEnv().SESSION_SECRET, "cutover", "sensitive-column-hash v1", 32)));
}

export async function listSensitiveColumns(): Promise<SensitiveColumnRow[]> {
  return controlDb().select().from(sensitiveColumns).orderBy(asc(sensitiveColumns.tableName), asc(sensitiveColumns.columnName));
}

/** What ingestion hashes with: the marked columns and the key (one small query per batch, like the rules). */
export async function loadSensitiveMask(): Promise<SensitiveMask> {
  const rows = await controlSql()<{ table_name: string; column_name: string }[]>`select table_name, column_name from sensitive_columns`;
  return sensitiveMaskOf(rows.map((r) => ({ table: r.table_name, column: r.column_name })));
}

export function sensitiveMaskOf(columns: SensitiveColumn[]): SensitiveMask {
  return new SensitiveMask(columns, sensitiveHashKey());
}

/**
 * Marks a column sensitive (audited) and hashes its values in the records already stored, in one transaction:
 * from its commit on no mismatch record holds the column in clear. (A batch staged in the inbox just before is
 * folded as it was staged; one set aside earlier keeps what it held until it is retried.)
 */
export async function markSensitiveColumn(input: SensitiveColumn, actor: Actor, reason: string): Promise<{ rehashed: number }> {
  const row = { tableName: sensitiveTableKey(input.table), columnName: input.column.trim().toLowerCase() };
  return controlDb().transaction(async (tx) => {
    const inserted = await tx.insert(sensitiveColumns).values({ ...row, createdBy: actor.label }).onConflictDoNothing().returning();
    const rehashed = await hashStoredValues(tx, row.tableName, row.columnName);
    if (inserted.length) {
      await recordAudit(
        actor,
        { action: "sensitive_column.mark", entityType: "sensitive_column", entityId: `${row.tableName}.${row.columnName}`, after: { ...row, recordsRehashed: rehashed }, reason },
        tx,
      );
    }
    return { rehashed };
  });
}

/** Unmarks a column (audited). Values hashed meanwhile stay hashed: the clear text is gone. */
export async function unmarkSensitiveColumn(input: { tableName: string; columnName: string }, actor: Actor, reason: string): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    const [removed] = await tx
      .delete(sensitiveColumns)
      .where(and(eq(sensitiveColumns.tableName, input.tableName), eq(sensitiveColumns.columnName, input.columnName)))
      .returning();
    if (!removed) return false;
    await recordAudit(
      actor,
      { action: "sensitive_column.unmark", entityType: "sensitive_column", entityId: `${removed.tableName}.${removed.columnName}`, before: { tableName: removed.tableName, columnName: removed.columnName }, reason },
      tx,
    );
    return true;
  });
}

const REHASH_PAGE = 1_000;

/** Hashes one column in the stored records of its table, a page of records at a time (keyset on id). */
async function hashStoredValues(tx: ControlTx, tableKey: string, column: string): Promise<number> {
  const mask = sensitiveMaskOf([{ table: tableKey, column }]);
  // Records name a public table either way; the mask's own spelling decides what matches.
  const names = tableKey.includes(".") ? [tableKey] : [tableKey, `public.${tableKey}`];
  let after = 0;
  let changed = 0;
  for (;;) {
    const rows = (await tx.execute(sql`
      select id, table_name, source_value::text as source_value, target_value::text as target_value from mismatches
      where lower(replace(table_name, '"', '')) in (${sql.join(names.map((n) => sql`${n}`), sql`, `)}) and id > ${after}
        and (source_value is not null or target_value is not null)
      order by id limit ${REHASH_PAGE}`)) as unknown as { id: string; table_name: string; source_value: string | null; target_value: string | null }[];
    if (rows.length === 0) return changed;
    for (const r of rows) {
      const source = r.source_value === null ? null : JSON.parse(r.source_value);
      const target = r.target_value === null ? null : JSON.parse(r.target_value);
      const maskedSource = mask.row(r.table_name, source);
      const maskedTarget = mask.row(r.table_name, target);
      if (maskedSource === source && maskedTarget === target) continue;
      await tx.execute(sql`
        update mismatches set source_value = ${maskedSource === null ? null : JSON.stringify(maskedSource)}::json,
          target_value = ${maskedTarget === null ? null : JSON.stringify(maskedTarget)}::json
        where id = ${r.id}`);
      changed++;
    }
    after = Number(rows[rows.length - 1].id);
    if (rows.length < REHASH_PAGE) return changed;
  }
}
