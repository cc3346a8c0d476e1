import { and, asc, eq, sql } from "drizzle-orm";
import { sensitiveColumns } from "../../db/schema";
import { sensitiveTableKey, type SensitiveColumn } from "../sensitive/sensitive-values";
import { recordAudit, type Actor } from "./audit.server";
import { maskEncodedRecords } from "../mismatches/copy-codec";
import { sensitiveMaskOf } from "./sensitive-mask.server";
import { controlDb, type ControlTx } from "~/utils/db.server";

export type SensitiveColumnRow = typeof sensitiveColumns.$inferSelect;

export async function listSensitiveColumns(): Promise<SensitiveColumnRow[]> {
  return controlDb().select().from(sensitiveColumns).orderBy(asc(sensitiveColumns.tableName), asc(sensitiveColumns.columnName));
}

/**
 * Marks a column sensitive (audited) and hashes its values in the records already stored and in the batches
 * waiting in the inbox or set aside, in one transaction: from its commit on, the control DB holds none in clear.
 */
export async function markSensitiveColumn(input: SensitiveColumn, actor: Actor, reason: string): Promise<{ rehashed: number }> {
  const row = { tableName: sensitiveTableKey(input.table), columnName: input.column.trim().toLowerCase() };
  return controlDb().transaction(async (tx) => {
    const inserted = await tx
      .insert(sensitiveColumns)
      .values({ ...row, createdBy: actor.label })
      .onConflictDoNothing()
      .returning();
    // Staged batches first: the UPDATE waits for a fold that holds them, and the rows it locks are skipped by
    // later folds until this commits, so no record reaches the table in clear after the rehash below.
    await hashStagedValues(tx, row.tableName, row.columnName);
    const rehashed = await hashStoredValues(tx, row.tableName, row.columnName);
    if (inserted.length) {
      await recordAudit(
        actor,
        {
          action: "sensitive_column.mark",
          entityType: "sensitive_column",
          entityId: `${row.tableName}.${row.columnName}`,
          after: { ...row, recordsRehashed: rehashed },
          reason,
        },
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
      {
        action: "sensitive_column.unmark",
        entityType: "sensitive_column",
        entityId: `${removed.tableName}.${removed.columnName}`,
        before: { tableName: removed.tableName, columnName: removed.columnName },
        reason,
      },
      tx,
    );
    return true;
  });
}

/** Hashes the column in batches waiting in the inbox or set aside (COPY text, rewritten only where it changes). */
async function hashStagedValues(tx: ControlTx, tableKey: string, column: string) {
  const mask = sensitiveMaskOf([{ table: tableKey, column }]);
  for (const table of [sql`mismatch_inbox`, sql`mismatch_inbox_set_aside`]) {
    const rows = (await tx.execute(sql`select id, records from ${table} order by id for update`)) as unknown as { id: string; records: string }[];
    for (const r of rows) {
      const masked = maskEncodedRecords(r.records, mask);
      if (masked !== r.records) await tx.execute(sql`update ${table} set records = ${masked} where id = ${r.id}`);
    }
  }
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
      where lower(replace(table_name, '"', '')) in (${sql.join(
        names.map((n) => sql`${n}`),
        sql`, `,
      )}) and id > ${after}
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
