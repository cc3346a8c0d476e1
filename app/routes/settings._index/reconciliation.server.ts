import { json } from "@remix-run/node";
import { z } from "zod";
import type { OwnerColumnSettingsData } from "~/components/settings/owner-column-settings";
import { getSchemaAllowList, saveSchemaAllowList } from "~/models/schema-guard.server";
import { listSensitiveColumns, markSensitiveColumn, unmarkSensitiveColumn } from "~/models/sensitive-column.server";
import { listOwnerColumns, setOwnerColumn, suggestOwnerColumns } from "~/models/table-owner-column.server";
import { markSensitiveFormSchema, schemaAllowListFormSchema, unmarkSensitiveFormSchema } from "~/reconciliation/guard-settings-form";
import { splitTableName, tableNameSchema } from "~/reconciliation/request";
import { redactError } from "~/utils/databases.server";
import { userActor, type requireRole } from "~/utils/auth.server";

/* Settings, reconciliation: the guard (schema allow-list, sensitive columns) and tables' owner columns. */

type SettingsUser = Awaited<ReturnType<typeof requireRole>>;

export async function loadGuardSettings() {
  const [allowList, sensitiveColumns] = await Promise.all([getSchemaAllowList(), listSensitiveColumns()]);
  return { allowList, sensitiveColumns: sensitiveColumns.map((c) => ({ table: c.tableName, column: c.columnName, createdBy: c.createdBy })) };
}

/** Tables' owner columns, and the catalog's foreign keys to the population's users table as suggestions. */
export async function loadOwnerColumns(): Promise<OwnerColumnSettingsData> {
  const current = (await listOwnerColumns()).map((o) => ({ table: `${o.schemaName}.${o.tableName}`, column: o.columnName, updatedBy: o.updatedBy }));
  try {
    return { current, suggestions: await suggestOwnerColumns(), error: null };
  } catch (error) {
    return { current, suggestions: [], error: `Could not read the source's foreign keys: ${redactError(error)}` };
  }
}

const ownerColumnFormSchema = z.object({
  intent: z.literal("owner-column"),
  table: tableNameSchema,
  /** Empty: the table has no owner column (whole-table meaning). */
  column: z
    .string()
    .trim()
    .max(200)
    .transform((c) => c || null),
  reason: z.string().trim().min(1, "say why").max(500),
});

/** An engineer's or admin's change of a table's owner column, checked on both sides and audited. */
export async function saveOwnerColumn(user: SettingsUser, form: FormData) {
  const parsed = ownerColumnFormSchema.safeParse(Object.fromEntries(form));
  if (!parsed.success) {
    const { table, column, reason } = parsed.error.flatten().fieldErrors;
    return json({ ok: false as const, errors: { ownerTable: table, ownerColumn: column, ownerReason: reason } as Record<string, string[]> }, { status: 400 });
  }
  const saved = await setOwnerColumn(userActor(user), { ...splitTableName(parsed.data.table), columnName: parsed.data.column }, parsed.data.reason);
  if (!saved.ok) return json({ ok: false as const, errors: { ownerColumn: [saved.message] } as Record<string, string[]> }, { status: 400 });
  return json({ ok: true as const, shownOnce: null });
}

/** The reconciliation guard's settings: the schema allow-list and the sensitive columns (audited, with a reason). */
export async function saveGuardSettings(admin: SettingsUser, form: FormData) {
  const refuse = (errors: Record<string, string[] | undefined>) => json({ ok: false as const, errors: errors as Record<string, string[]> }, { status: 400 });
  const values = Object.fromEntries(form);
  const actor = userActor(admin);
  if (values.intent === "schema-allow-list") {
    const parsed = schemaAllowListFormSchema.safeParse(values);
    if (!parsed.success) {
      const { schemas, reason } = parsed.error.flatten().fieldErrors;
      return refuse({ schemas, allowListReason: reason });
    }
    const saved = await saveSchemaAllowList(parsed.data.schemas, actor, parsed.data.reason);
    if (!saved.ok) return refuse({ schemas: [saved.message] });
    return json({ ok: true as const, shownOnce: null });
  }
  if (values.intent === "mark-sensitive") {
    const parsed = markSensitiveFormSchema.safeParse(values);
    if (!parsed.success) {
      const { table, column, reason } = parsed.error.flatten().fieldErrors;
      return refuse({ sensitiveTable: table, sensitiveColumn: column, sensitiveReason: reason });
    }
    await markSensitiveColumn({ table: parsed.data.table, column: parsed.data.column }, actor, parsed.data.reason);
    return json({ ok: true as const, shownOnce: null });
  }
  const parsed = unmarkSensitiveFormSchema.safeParse(values);
  if (!parsed.success) return refuse({ sensitiveReason: parsed.error.flatten().fieldErrors.reason ?? ["not a sensitive column"] });
  if (!(await unmarkSensitiveColumn({ tableName: parsed.data.table, columnName: parsed.data.column }, actor, parsed.data.reason))) {
    throw new Response("That column is not marked sensitive.", { status: 404 });
  }
  return json({ ok: true as const, shownOnce: null });
}
