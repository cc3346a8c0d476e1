import { and, desc, eq, gt, isNull, or } from "drizzle-orm";
import { normalizationRules, type NormalizationRuleRow } from "../../db/schema";
import type { NormalizationRule, RuleKind } from "../normalization";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb } from "~/utils/db.server";

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

/** Rules not deleted and not expired at `now`: what ingestion, reconciliation and the client apply. */
export async function listActiveRules(now = new Date()): Promise<NormalizationRule[]> {
  const rows = await controlDb()
    .select()
    .from(normalizationRules)
    .where(and(isNull(normalizationRules.deletedAt), or(isNull(normalizationRules.expiresAt), gt(normalizationRules.expiresAt, now))))
    .orderBy(normalizationRules.createdAt);
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

export async function createRule(actor: Actor, input: NewRule): Promise<NormalizationRuleRow> {
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
    await recordAudit(actor, { action: "normalization_rule.create", entityType: "normalization_rule", entityId: row.id, after: row, reason: input.reason }, tx);
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
