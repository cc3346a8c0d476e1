import { scheduledTableFreshness } from "~/models/reconciliation-freshness.server";
import type { Gate } from "./types";

/**
 * Reconciliation freshness: every table with a sweep schedule must have been verified clean (a whole-table
 * verify job with no differences) within its sweep interval, before any cohort advances.
 */
export const freshnessGate: Gate = {
  id: "reconciliation-freshness",
  label: "Reconciliation freshness",
  async check() {
    const tables = await scheduledTableFreshness();
    if (tables.length === 0) return { passed: true, reason: "no table has a reconciliation schedule" };
    const stale = tables.filter((t) => !t.verifiedAt || Date.now() - t.verifiedAt.getTime() > t.everyHours * 3_600_000);
    if (stale.length === 0) return { passed: true, reason: `all ${tables.length} scheduled tables verified clean within their interval` };
    const names = stale.map((t) => `${t.schemaName}.${t.tableName} (${t.verifiedAt ? `last clean ${t.verifiedAt.toISOString()}` : "never verified clean"}, every ${t.everyHours} h)`);
    return { passed: false, reason: `not verified clean recently: ${names.join("; ")}` };
  },
};
