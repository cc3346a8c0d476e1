import { eq } from "drizzle-orm";
import type postgres from "postgres";
import { settings } from "../../db/schema";
import type { Actor } from "~/audit/actor";
import { recordAudit } from "./audit.server";
import { controlDb } from "~/utils/db.server";

/*
 * The control plane's settings: one row per key, a JSON value, every change audited in the same transaction.
 * Each feature parses its own value (the parsers are pure, beside the feature); this model only stores them.
 */
export const SETTING_KEYS = {
  population: "rollout.population",
  schemaAllowList: "reconciliation.schema_allow_list",
  healthThresholds: "health.thresholds",
} as const;
export type SettingKey = (typeof SETTING_KEYS)[keyof typeof SETTING_KEYS];

/** The stored value (undefined when never saved). */
export async function readSetting(key: SettingKey): Promise<unknown> {
  const [row] = await controlDb().select({ value: settings.value }).from(settings).where(eq(settings.key, key));
  return row?.value;
}

/** The same read on a given connection (the collectors pass their own); the value may arrive as JSON text. */
export async function readSettingWith(sql: postgres.Sql, key: SettingKey): Promise<unknown> {
  const [row] = await sql<{ value: unknown }[]>`select value from settings where key = ${key}`;
  return row?.value;
}

export interface SettingChange<T> {
  value: T;
  /** The audit action, e.g. "rollout.population.update". */
  action: string;
  reason: string | null;
}

/**
 * Saves a setting. `change` receives the stored value read under the row lock (so two saves serialise and each
 * audit row holds the value it replaced) and returns the new value, or null to save nothing.
 */
export async function saveSetting<T>(
  key: SettingKey,
  actor: Actor,
  change: (before: unknown) => (SettingChange<T> & { auditBefore?: unknown }) | null,
): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    const [row] = await tx.select({ value: settings.value }).from(settings).where(eq(settings.key, key)).for("update");
    const next = change(row?.value);
    if (!next) return false;
    await tx
      .insert(settings)
      .values({ key, value: next.value })
      .onConflictDoUpdate({ target: settings.key, set: { value: next.value, updatedAt: new Date() } });
    const before = "auditBefore" in next ? next.auditBefore : (row?.value ?? null);
    await recordAudit(actor, { action: next.action, entityType: "settings", entityId: key, before, after: next.value, reason: next.reason }, tx);
    return true;
  });
}
