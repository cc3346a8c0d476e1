import { bigserial, boolean, index, integer, jsonb, pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * One schema-parity collection: both catalogs read and compared (app/schema-parity). `drift` holds the DriftItem
 * list of that moment; the latest row is what the Schema page, the schema gate, the Overview and /metrics read.
 * A failed collection keeps its error and no drift, so the pages can say the comparison is not current.
 */
export const schemaParityCollections = pgTable(
  "schema_parity_collections",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    collectedAt: timestamp("collected_at", { withTimezone: true }).notNull().defaultNow(),
    ok: boolean("ok").notNull(),
    error: text("error"),
    sourceTables: integer("source_tables"),
    targetTables: integer("target_tables"),
    sourceMs: integer("source_ms"),
    targetMs: integer("target_ms"),
    breaking: integer("breaking").notNull().default(0),
    drift: jsonb("drift").notNull().default([]),
  },
  (t) => [index("schema_parity_collections_at_idx").on(t.collectedAt)],
);
