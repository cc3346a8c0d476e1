import { gauge } from "./gauge";
import type { MetricFamily } from "./prometheus";
import { BACKFILL_STATUSES, RECONCILIATION_STATUSES } from "../../db/schema";
import { backfillProgress } from "~/models/backfill.server";
import { isLive } from "~/models/job-interruption.server";
import { progressOf } from "~/models/reconciliation.server";
import { controlSql } from "~/utils/db.server";

/**
 * Reconciliation and backfill jobs: how many are in each state, failures so far (a counter, for increase()), and
 * progress and rows/s of the jobs under way. Job ids are labels only while a job runs, so the series stay few.
 */
export async function jobMetrics(): Promise<MetricFamily[]> {
  const sql = controlSql();
  const [counts, reconciliations, backfills] = await Promise.all([
    sql<{ kind: string; status: string; jobs: number; waiting: number }[]>`
      select 'reconciliation' as kind, status::text, count(*)::float8 as jobs, count(interrupted_at)::float8 as waiting
      from reconciliation_jobs group by 2
      union all
      select 'backfill', status::text, count(*)::float8, count(interrupted_at)::float8 from backfill_jobs group by 2`,
    sql`select id, table_name, schema_name, status, estimated_rows, rows_compared, buckets_total, buckets_done, samples, cleared_on_recheck
        from reconciliation_jobs where status = 'running'`,
    sql`select id, table_name, schema_name, status, estimated_rows, rows_copied, rows_skipped_existing, rows_set_aside, ranges_total, ranges_done,
          samples, copied_at from backfill_jobs where status in ('copying', 'converging')`,
  ]);
  const count = (kind: string, status: string) => counts.find((c) => c.kind === kind && c.status === status)?.jobs ?? 0;
  const states = [
    ...RECONCILIATION_STATUSES.map((status) => ({ labels: { kind: "reconciliation", status }, value: count("reconciliation", status) })),
    ...BACKFILL_STATUSES.map((status) => ({ labels: { kind: "backfill", status }, value: count("backfill", status) })),
  ];
  const running = [
    ...reconciliations.map((j) => {
      const progress = progressOf({
        status: j.status,
        samples: j.samples,
        estimatedRows: j.estimated_rows === null ? null : Number(j.estimated_rows),
        rowsCompared: Number(j.rows_compared),
        bucketsTotal: j.buckets_total,
        bucketsDone: j.buckets_done,
        clearedOnRecheck: j.cleared_on_recheck,
      } as Parameters<typeof progressOf>[0]);
      return {
        labels: { kind: "reconciliation", job_id: j.id as string, table: `${j.schema_name}.${j.table_name}` },
        ratio: progress.percent / 100,
        rate: progress.rowsPerSecond,
      };
    }),
    ...backfills.map((j) => {
      const progress = backfillProgress({
        samples: j.samples,
        estimatedRows: j.estimated_rows === null ? null : Number(j.estimated_rows),
        rowsCopied: Number(j.rows_copied),
        rowsSkippedExisting: Number(j.rows_skipped_existing),
        rowsSetAside: j.rows_set_aside,
        rangesTotal: j.ranges_total,
        rangesDone: j.ranges_done,
        copiedAt: j.copied_at,
      } as Parameters<typeof backfillProgress>[0]);
      return {
        labels: { kind: "backfill", job_id: j.id as string, table: `${j.schema_name}.${j.table_name}` },
        ratio: progress.percent / 100,
        rate: progress.rowsPerSecond,
      };
    }),
  ];
  return [
    gauge("cutover_jobs", "Reconciliation and backfill jobs per state", states),
    {
      name: "cutover_jobs_failed_total",
      help: "Jobs that ended failed, per kind (increase() over a window is the jobs that failed in it)",
      type: "counter",
      samples: [
        { labels: { kind: "reconciliation" }, value: count("reconciliation", "failed") },
        { labels: { kind: "backfill" }, value: count("backfill", "failed") },
      ],
    },
    gauge(
      "cutover_jobs_waiting_for_database",
      "Jobs under way that lost a database they need and wait for it to answer (they fail after 10 min)",
      (["reconciliation", "backfill"] as const).map((kind) => ({
        labels: { kind },
        value: counts.filter((c) => c.kind === kind && isLive(kind, c.status)).reduce((n, c) => n + c.waiting, 0),
      })),
    ),
    gauge(
      "cutover_job_progress_ratio",
      "Progress of a running job (0..1; a backfill's copy phase, then 1 while it converges)",
      running.map((r) => ({ labels: r.labels, value: r.ratio })),
    ),
    gauge(
      "cutover_job_rows_per_second",
      "Rows per second of a running job over its recent samples",
      running.map((r) => ({ labels: r.labels, value: r.rate })),
    ),
  ];
}
