import { z } from "zod";

/** `table` or `schema.table`, matched against the catalogs later (never spliced into SQL). */
export const tableNameSchema = z
  .string()
  .trim()
  .min(1)
  .max(200)
  // Control characters (a NUL above all, which PostgreSQL cannot take in a name) are never part of a table name.
  .regex(/^[^.\s\p{Cc}]+(\.[^.\s\p{Cc}]+)?$/u, "must be table or schema.table");

/** Which rows a job covers, for reconciliations and backfills alike. */
export const tableScopeSchema = z
  .discriminatedUnion("kind", [
    z.object({ kind: z.literal("table") }),
    z.object({ kind: z.literal("range"), from: z.array(z.string()).min(1).optional(), to: z.array(z.string()).min(1).optional() }),
    z.object({ kind: z.literal("users"), column: z.string().min(1).max(200), ids: z.array(z.string()).min(1).max(100_000) }),
    // resolved to the cohort's users by the first worker (members are never taken from the caller)
    z.object({ kind: z.literal("cohort"), cohortId: z.string().uuid("must be a cohort id"), column: z.string().min(1).max(200) }).strict(),
  ])
  .default({ kind: "table" });

/** What a caller may ask for (API body and the new-job form alike): one schema, validated on the server. */
export const reconciliationRequestSchema = z.object({
  table: tableNameSchema,
  scope: tableScopeSchema,
  mode: z.enum(["verify", "repair"]).default("verify"),
  rowsPerSecond: z.number().int().positive().max(10_000_000).nullable().optional(),
  concurrency: z.number().int().min(1).max(16).default(2),
  reason: z.string().trim().max(500).default(""),
  /** The owner (user id) column for this job; default: the table's from Settings. null: whole-table meaning. */
  ownerColumn: z.string().trim().min(1).max(200).nullable().optional(),
  /** How long a differing row is re-read (with backoff) before it counts: mirrored writes in flight settle. */
  inFlightWindowMs: z.number().int().min(0).max(60_000).optional(),
  /** Repair mode writes to the target: the caller must say so explicitly (and give a reason). */
  confirm: z.boolean().default(false),
});

export type ReconciliationRequest = z.infer<typeof reconciliationRequestSchema>;

/** "schema.table" or "table" (schema public); the names are matched against the catalogs, never spliced into SQL. */
export function splitTableName(table: string): { schemaName: string; tableName: string } {
  const dot = table.indexOf(".");
  return dot === -1 ? { schemaName: "public", tableName: table } : { schemaName: table.slice(0, dot), tableName: table.slice(dot + 1) };
}

/** The cohort page's list of tables the cohort must have verified clean (one per line or comma-separated). */
export const cohortVerifiedTablesSchema = z.object({
  intent: z.literal("verified-tables"),
  tables: z
    .string()
    .max(20_000)
    .transform((text) => text.split(/[\s,]+/).filter(Boolean))
    .pipe(z.array(tableNameSchema).max(200, "at most 200 tables")),
  maxAgeHours: z.coerce
    .number()
    .int()
    .min(1, "at least 1 hour")
    .max(24 * 90, "at most 90 days"),
  reason: z.string().trim().min(1, "say why").max(500),
});
