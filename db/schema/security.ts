import { pgTable, primaryKey, text, timestamp } from "drizzle-orm/pg-core";

/**
 * Columns whose values are never stored in clear (Settings, admins, audited): mismatch records keep a keyed hash
 * of them instead (app/sensitive/sensitive-values.ts). `tableName` is spelled as mismatch records spell it:
 * `table` for the public schema, else `schema.table`, lower-case; `columnName` lower-case.
 */
export const sensitiveColumns = pgTable(
  "sensitive_columns",
  {
    tableName: text("table_name").notNull(),
    columnName: text("column_name").notNull(),
    createdBy: text("created_by").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.tableName, t.columnName] })],
);
