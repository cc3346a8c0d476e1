import { and, desc, eq, gt, isNull, or, sql } from "drizzle-orm";
import { normalizationRules, type NormalizationRuleRow } from "../../db/schema";
import { compareRows, createRuleResolver, type NormalizationRule, type RuleKind } from "../normalization";
import { sqlTwinRefusal } from "../normalization/sql";
import { describeTable } from "../reconciliation/catalog";
import { recordAudit, type Actor } from "./audit.server";
import { sideSql } from "~/utils/databases.server";
import { controlDb, controlSql, type ControlDb } from "~/utils/db.server";

// The preview re-compares stored open records; past this many it says "at least".
const PREVIEW_SCAN_LIMIT = 20_000;

/** The stored row as the shared normalization module's rule. */
export function toNormalizationRule(row: NormalizationRuleRow): NormalizationRule {
  const base = {
    id: row.id,
    table: row.tableName,
    column: row.columnName,
    author: row.authorLabel,
    reason: row.reason,
    expiresAt: row.expiresAt ? row.expiresAt.toISOString() : null,
  };
  switch (row.kind) {
    case "timestamp_precision":
      return { ...base, kind: row.kind, digits: row.digits ?? 6 };
    case "float_tolerance":
      return { ...base, kind: row.kind, tolerance: row.tolerance ?? 0 };
    default:
      return { ...base, kind: row.kind };
  }
}

function activeRulesQuery(db: ControlDb) {
  return db
    .select()
    .from(normalizationRules)
    .where(and(isNull(normalizationRules.deletedAt), or(isNull(normalizationRules.expiresAt), gt(normalizationRules.expiresAt, sql.placeholder("now")))))
    .orderBy(normalizationRules.createdAt)
    .prepare("active_normalization_rules");
}
// Built once per control client: every mismatch report reads the rules, and building the query cost ~5x running it.
const activeRulesQueries = new WeakMap<ControlDb, ReturnType<typeof activeRulesQuery>>();

/** Rules not deleted and not expired at `now`: what ingestion, reconciliation and the client apply. */
export async function listActiveRules(now = new Date()): Promise<NormalizationRule[]> {
  const db = controlDb();
  let query = activeRulesQueries.get(db);
  if (!query) activeRulesQueries.set(db, (query = activeRulesQuery(db)));
  // A placeholder skips the column's encoder, so it takes the timestamp as the encoder would write it.
  const rows = await query.execute({ now: now.toISOString() });
  return rows.map(toNormalizationRule);
}

/** Every rule not deleted, newest first (expired ones included, for the rules page). */
export async function listRules(): Promise<NormalizationRuleRow[]> {
  return controlDb().select().from(normalizationRules).where(isNull(normalizationRules.deletedAt)).orderBy(desc(normalizationRules.createdAt));
}

export interface NewRule {
  kind: RuleKind;
  table: string;
  column: string;
  digits?: number | null;
  tolerance?: number | null;
  reason: string;
  expiresAt?: Date | null;
}

function asCandidate(input: NewRule, id: string): NormalizationRule {
  const base = { id, table: input.table, column: input.column, author: "", reason: input.reason, expiresAt: input.expiresAt?.toISOString() ?? null };
  if (input.kind === "timestamp_precision") return { ...base, kind: input.kind, digits: input.digits ?? 3 };
  if (input.kind === "float_tolerance") return { ...base, kind: input.kind, tolerance: input.tolerance ?? 0 };
  return { ...base, kind: input.kind };
}

export interface RulePreview {
  /** Open or investigating records whose every difference the rule (with the rules in force) explains. */
  ids: number[];
  scanned: number;
  /** True when more candidates existed than were scanned: the count is a lower bound. */
  capped: boolean;
}

/** How many open mismatches the rule would resolve, by re-comparing them with today's rules plus this one. */
export async function previewRule(input: NewRule, now = new Date()): Promise<RulePreview> {
  const sql = controlSql();
  const candidates = await sql`
    select id, table_name, source_value, target_value from mismatches
    where status in ('open', 'investigating') and kind = 'value_mismatch'
      and ${input.table === "*" ? sql`true` : sql`table_name = ${input.table}`}
      and ${input.column === "*" ? sql`true` : sql`differing_fields @> array[${input.column}]::text[]`}
    order by last_seen_at desc nulls last, id desc nulls last limit ${PREVIEW_SCAN_LIMIT + 1}`;
  const resolve = createRuleResolver([...(await listActiveRules(now)), asCandidate(input, "preview")], now);
  const ids: number[] = [];
  for (const row of candidates.slice(0, PREVIEW_SCAN_LIMIT)) {
    if (row.source_value === null || row.target_value === null) continue;
    const asRow = (v: unknown) => (v !== null && typeof v === "object" && !Array.isArray(v) ? (v as Record<string, unknown>) : { value: v });
    if (compareRows(row.table_name, asRow(row.source_value), asRow(row.target_value), resolve, now).equal) ids.push(Number(row.id));
  }
  return { ids, scanned: Math.min(candidates.length, PREVIEW_SCAN_LIMIT), capped: candidates.length > PREVIEW_SCAN_LIMIT };
}

/**
 * Why reconciliation's SQL twin cannot apply the rule to its column (by the column's type on the source), or null.
 * Only a named table and column that exist on the source are checked: rules also cover API entities that are no
 * table, and a wildcard applies per column wherever the type fits.
 */
export async function sqlTwinRefusalOf(input: Pick<NewRule, "kind" | "table" | "column">): Promise<string | null> {
  if (input.table === "*" || input.column === "*") return null;
  const dot = input.table.indexOf(".");
  const [schema, table] = dot === -1 ? ["public", input.table] : [input.table.slice(0, dot), input.table.slice(dot + 1)];
  const described = await describeTable(sideSql("source"), schema, table);
  const column = described.table?.columns.find((c) => c.name === input.column);
  return column ? sqlTwinRefusal(input.kind, input.column, column) : null;
}

/** Saves the rule and marks the open records it explains as ignored by it, audited together. */
export async function createRule(actor: Actor, input: NewRule): Promise<NormalizationRuleRow> {
  const preview = await previewRule(input);
  return controlDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(normalizationRules)
      .values({
        kind: input.kind,
        tableName: input.table,
        columnName: input.column,
        digits: input.kind === "timestamp_precision" ? (input.digits ?? 3) : null,
        tolerance: input.kind === "float_tolerance" ? (input.tolerance ?? 0) : null,
        authorId: actor.type === "user" ? actor.id : null,
        authorLabel: actor.label,
        reason: input.reason,
        expiresAt: input.expiresAt ?? null,
      })
      .returning();
    if (preview.ids.length) {
      await tx.execute(sql`
        update mismatches set status = 'ignored', ignored_by_rule_id = ${row.id}, updated_at = now()
        where id = any(${`{${preview.ids.join(",")}}`}::bigint[]) and status in ('open', 'investigating')`);
    }
    await recordAudit(
      actor,
      {
        action: "normalization_rule.create",
        entityType: "normalization_rule",
        entityId: row.id,
        after: { ...row, resolvedMismatches: preview.ids.length },
        reason: input.reason,
      },
      tx,
    );
    return row;
  });
}

export async function deleteRule(actor: Actor, id: string, reason: string | null): Promise<void> {
  await controlDb().transaction(async (tx) => {
    const [row] = await tx
      .update(normalizationRules)
      .set({ deletedAt: new Date() })
      .where(and(eq(normalizationRules.id, id), isNull(normalizationRules.deletedAt)))
      .returning();
    if (!row) throw new Response("Rule not found", { status: 404 });
    await recordAudit(actor, { action: "normalization_rule.delete", entityType: "normalization_rule", entityId: id, before: row, reason }, tx);
  });
}
