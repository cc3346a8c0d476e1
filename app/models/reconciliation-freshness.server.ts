import { controlSql } from "~/utils/db.server";

export interface ScheduledFreshness {
  schemaName: string;
  tableName: string;
  everyHours: number;
  /** Finish time of the latest whole-table verify job that found no difference. */
  verifiedAt: Date | null;
}

/** Scheduled tables with the time each was last verified clean. */
export async function scheduledTableFreshness(): Promise<ScheduledFreshness[]> {
  const rows = await controlSql()<{ schema_name: string; table_name: string; every_hours: number; verified_at: Date | null }[]>`
    select s.schema_name, s.table_name, s.every_hours,
      (select max(j.finished_at) from reconciliation_jobs j
        where j.schema_name = s.schema_name and j.table_name = s.table_name and j.status = 'succeeded' and j.mode = 'verify'
          and j.scope->>'kind' = 'table' and j.missing_in_target + j.extra_in_target + j.value_mismatch = 0) as verified_at
    from reconciliation_schedules s where s.enabled order by 1, 2`;
  return rows.map((r) => ({ schemaName: r.schema_name, tableName: r.table_name, everyHours: r.every_hours, verifiedAt: r.verified_at }));
}
