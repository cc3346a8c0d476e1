import { cohortTableFreshness, isFresh, scheduledTableFreshness, type TableFreshness } from "~/models/reconciliation-freshness.server";
import type { Gate } from "./types";

const describe = (t: TableFreshness) =>
  `${t.schemaName}.${t.tableName} (${t.verifiedAt ? `last clean ${t.verifiedAt.toISOString()}` : "never verified clean"}, at most ${t.maxAgeHours} h old)`;

/**
 * Reconciliation freshness: the tables the advancing cohort lists, and every table with a sweep schedule,
 * must have been verified clean (a verify job with no differences: of the whole table, or for the cohort's own
 * tables of the cohort's rows) within their maximum age.
 */
export const freshnessGate: Gate = {
  id: "reconciliation-freshness",
  label: "Reconciliation freshness",
  async check(context) {
    const [cohortTables, scheduled] = await Promise.all([cohortTableFreshness(context.cohortId), scheduledTableFreshness()]);
    if (cohortTables.length + scheduled.length === 0) return { passed: true, reason: "no table has a reconciliation schedule or is required by this cohort" };
    const now = Date.now();
    const stale = [...cohortTables.map((t) => ({ t, whose: "cohort" })), ...scheduled.map((t) => ({ t, whose: "scheduled" }))].filter(
      ({ t }) => !isFresh(t, now),
    );
    if (stale.length === 0) {
      return { passed: true, reason: `${cohortTables.length} cohort and ${scheduled.length} scheduled tables verified clean within their maximum age` };
    }
    return { passed: false, reason: `not verified clean recently: ${stale.map(({ t, whose }) => `${describe(t)} [${whose}]`).join("; ")}` };
  },
};
