import { desc, lt, and, ne } from "drizzle-orm";
import type postgres from "postgres";
import { schemaParityCollections } from "../../db/schema";
import { readCatalogSnapshot } from "../reconciliation/catalog-snapshot";
import { schemaDrift, type DriftItem } from "../schema-parity/drift";
import { controlDb } from "~/utils/db.server";
import { redactError, sideSql } from "~/utils/databases.server";

/** The collector runs every minute; a comparison older than this is not current (pages say so, the gate closes). */
export const SCHEMA_PARITY_STALE_MS = 10 * 60_000;
const RETENTION_MS = 7 * 24 * 3_600_000;

export interface SchemaParityCollection {
  id: number;
  collectedAt: Date;
  ok: boolean;
  error: string | null;
  sourceTables: number | null;
  targetTables: number | null;
  sourceMs: number | null;
  targetMs: number | null;
  breaking: number;
  drift: DriftItem[];
}

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number }> {
  const started = performance.now();
  const value = await work();
  return { value, ms: Math.round(performance.now() - started) };
}

/**
 * One collection: both catalogs read side by side, compared under the type mapping, stored. A side that cannot
 * be read is stored as a failed collection with its (redacted) error, never as "no drift".
 */
export async function collectSchemaParity(
  sides: { source: postgres.Sql; target: postgres.Sql } = { source: sideSql("source"), target: sideSql("target") },
): Promise<SchemaParityCollection> {
  let values: typeof schemaParityCollections.$inferInsert;
  try {
    const [source, target] = await Promise.all([timed(() => readCatalogSnapshot(sides.source)), timed(() => readCatalogSnapshot(sides.target))]);
    const drift = schemaDrift(source.value, target.value);
    values = {
      ok: true,
      sourceTables: source.value.tables.length,
      targetTables: target.value.tables.length,
      sourceMs: source.ms,
      targetMs: target.ms,
      breaking: drift.filter((d) => d.breaking).length,
      drift,
    };
  } catch (error) {
    values = { ok: false, error: `could not read the catalogs: ${redactError(error)}`, drift: [] };
  }
  const [row] = await controlDb().insert(schemaParityCollections).values(values).returning();
  // Keep a week of history, and always the latest row.
  await controlDb()
    .delete(schemaParityCollections)
    .where(and(lt(schemaParityCollections.collectedAt, new Date(Date.now() - RETENTION_MS)), ne(schemaParityCollections.id, row.id)));
  return toCollection(row);
}

function toCollection(row: typeof schemaParityCollections.$inferSelect): SchemaParityCollection {
  return { ...row, drift: row.drift as DriftItem[] };
}

/** The latest collection, or null before the first one. */
export async function latestSchemaParity(): Promise<SchemaParityCollection | null> {
  const [row] = await controlDb().select().from(schemaParityCollections).orderBy(desc(schemaParityCollections.id)).limit(1);
  return row ? toCollection(row) : null;
}

export interface SchemaParitySummary {
  collectedAt: Date | null;
  stale: boolean;
  error: string | null;
  tablesWithDrift: number;
  breakingTables: number;
  breaking: number;
  other: number;
}

/** The figures the Overview card and /metrics show. */
export function summarizeSchemaParity(latest: SchemaParityCollection | null, now = Date.now()): SchemaParitySummary {
  const drift = latest?.drift ?? [];
  return {
    collectedAt: latest?.collectedAt ?? null,
    stale: !latest || now - latest.collectedAt.getTime() > SCHEMA_PARITY_STALE_MS,
    error: latest && !latest.ok ? latest.error : null,
    tablesWithDrift: new Set(drift.map((d) => d.table)).size,
    breakingTables: new Set(drift.filter((d) => d.breaking).map((d) => d.table)).size,
    breaking: drift.filter((d) => d.breaking).length,
    other: drift.filter((d) => !d.breaking).length,
  };
}

export interface TableDrift {
  table: string;
  breaking: boolean;
  items: DriftItem[];
}

/** Drift grouped per table, breaking tables first. */
export function driftByTable(drift: DriftItem[]): TableDrift[] {
  const tables = new Map<string, DriftItem[]>();
  for (const d of drift) tables.set(d.table, [...(tables.get(d.table) ?? []), d]);
  return [...tables]
    .map(([table, items]) => ({ table, breaking: items.some((i) => i.breaking), items: items.sort((a, b) => Number(b.breaking) - Number(a.breaking)) }))
    .sort((a, b) => Number(b.breaking) - Number(a.breaking) || a.table.localeCompare(b.table));
}

/** The Overview's word on schema parity: the summary and the tables with breaking drift. */
export async function loadSchemaParityOverview() {
  const latest = await latestSchemaParity();
  return {
    ...summarizeSchemaParity(latest),
    tables: driftByTable(latest?.drift ?? [])
      .filter((t) => t.breaking)
      .map((t) => t.table)
      .slice(0, 5),
  };
}
