import { controlSql } from "~/utils/db.server";
import { whereClause } from "./mismatch.server";
import type { MismatchFilter } from "~/mismatches/query";

export const EXPORT_COLUMNS = [
  "id",
  "origin",
  "kind",
  "table",
  "primaryKey",
  "userId",
  "cohort",
  "fingerprint",
  "differingFields",
  "status",
  "occurrences",
  "firstSeenAt",
  "lastSeenAt",
  "sourceValue",
  "targetValue",
  "ignoredByRuleId",
  "reconciliationJobId",
] as const;

/**
 * Every record matching the filter, in pages read through a server-side cursor, so an export of millions of rows
 * never sits in memory. Yields export objects (keys included).
 */
export async function* exportMismatches(filter: MismatchFilter): AsyncGenerator<Record<(typeof EXPORT_COLUMNS)[number], unknown>> {
  const sql = controlSql();
  const cursor = sql`
    select id, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint, differing_fields, status,
      occurrences, first_seen_at, last_seen_at, source_value, target_value, ignored_by_rule_id, reconciliation_job_id
    from mismatches where ${whereClause(sql, filter)} order by last_seen_at desc nulls last, id desc nulls last`.cursor(1000);
  for await (const rows of cursor) {
    for (const r of rows) {
      yield {
        id: Number(r.id),
        origin: r.origin,
        kind: r.kind,
        table: r.table_name,
        primaryKey: r.primary_key,
        userId: r.user_id,
        cohort: r.cohort_id,
        fingerprint: r.fingerprint,
        differingFields: r.differing_fields,
        status: r.status,
        occurrences: r.occurrences,
        firstSeenAt: String(r.first_seen_at),
        lastSeenAt: String(r.last_seen_at),
        sourceValue: r.source_value,
        targetValue: r.target_value,
        ignoredByRuleId: r.ignored_by_rule_id,
        reconciliationJobId: r.reconciliation_job_id,
      };
    }
  }
}
