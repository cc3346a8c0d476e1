import { gauge } from "./gauge";
import type { MetricFamily } from "./prometheus";
import { boundedByKey, OTHER_LABEL } from "./bounded-labels";
import { cohortRatesAgainstBudget } from "~/models/comparison.server";
import { controlSql } from "~/utils/db.server";

/** At most this many table label values per family (reported table names come from the application servers). */
export const TABLE_LABEL_LIMIT = 100;
/** The per-table rates' window; each cohort's own rate is over its budget window (the gate's figure). */
const RATE_WINDOW_MINUTES = 60;

type Row = { cohort: string; table: string; value: number };

/** One sample per cohort and (bounded) table, summing what the bound folded into the other-tables label. */
function perCohortTable(rows: Row[]) {
  const samples: MetricFamily["samples"] = [];
  for (const [table, list] of boundedByKey(
    rows,
    (r) => r.table,
    (r) => r.value,
    TABLE_LABEL_LIMIT,
  )) {
    const byCohort = new Map<string, number>();
    for (const r of list) byCohort.set(r.cohort, (byCohort.get(r.cohort) ?? 0) + r.value);
    for (const [cohort, value] of byCohort) samples.push({ labels: { cohort, table }, value });
  }
  return samples;
}

/**
 * Mismatch figures: comparisons and the mismatch rate per cohort and table over the last hour, each cohort's rate
 * against its budget, open records per cohort and table, and the ingestion inbox. Records and comparisons of no
 * cohort carry cohort="" (reported without one), of a cohort id Cutover does not know cohort="_other".
 */
export async function mismatchMetrics(): Promise<MetricFamily[]> {
  const sql = controlSql();
  const [comparisons, open, inbox, budgets] = await Promise.all([
    sql<{ cohort: string; table: string; compared: number; mismatched: number }[]>`
      select case when m.cohort_id = '' then '' else coalesce(c.name, ${OTHER_LABEL}) end as cohort, m.table_name as table, sum(m.compared)::float8 as compared, sum(m.mismatched)::float8 as mismatched
      from mismatch_comparisons m left join cohorts c on c.id::text = m.cohort_id
      where m.window_start >= now() - make_interval(mins => ${RATE_WINDOW_MINUTES})
      group by 1, 2`,
    sql<{ cohort: string; table: string; records: number }[]>`
      select case when coalesce(m.cohort_id, '') = '' then '' else coalesce(c.name, ${OTHER_LABEL}) end as cohort, m.table_name as table, m.records::float8 as records
      from (select cohort_id, table_name, count(*) as records from mismatches where status = 'open' group by 1, 2) m
      left join cohorts c on c.id::text = m.cohort_id`,
    sql<{ batches: number; records: number; set_aside: number; set_aside_records: number; oldest: number | null }[]>`
      select (select count(*) from mismatch_inbox)::float8 as batches,
        (select coalesce(sum(record_count), 0) from mismatch_inbox)::float8 as records,
        (select count(*) from mismatch_inbox_set_aside)::float8 as set_aside,
        (select coalesce(sum(record_count), 0) from mismatch_inbox_set_aside)::float8 as set_aside_records,
        (select extract(epoch from now() - min(received_at)) from mismatch_inbox)::float8 as oldest`,
    cohortRatesAgainstBudget(),
  ]);
  const compared = perCohortTable(comparisons.map((r) => ({ cohort: r.cohort, table: r.table, value: r.compared })));
  const mismatched = perCohortTable(comparisons.map((r) => ({ cohort: r.cohort, table: r.table, value: r.mismatched })));
  const mismatchedBy = new Map(mismatched.map((s) => [JSON.stringify(s.labels), s.value]));
  const [row] = inbox;
  return [
    gauge("cutover_shadow_read_comparisons", `Reads compared over the last ${RATE_WINDOW_MINUTES} min, per cohort and table`, compared),
    gauge("cutover_shadow_read_mismatches", `Compared reads that mismatched over the last ${RATE_WINDOW_MINUTES} min, per cohort and table`, mismatched),
    gauge(
      "cutover_mismatch_rate_ratio",
      `Mismatched / compared reads over the last ${RATE_WINDOW_MINUTES} min, per cohort and table (absent without comparisons)`,
      compared.filter((s) => s.value > 0).map((s) => ({ labels: s.labels, value: (mismatchedBy.get(JSON.stringify(s.labels)) ?? 0) / s.value })),
    ),
    gauge(
      "cutover_cohort_mismatch_rate_ratio",
      "A cohort's mismatch rate over its budget window (the mismatch-budget gate's figure; absent without comparisons)",
      budgets.filter((b) => b.rate !== null).map((b) => ({ labels: { cohort: b.cohortName }, value: b.rate! })),
    ),
    gauge(
      "cutover_cohort_mismatch_budget_ratio",
      "A cohort's mismatch budget (largest allowed rate over its window; absent when it has none)",
      budgets.filter((b) => b.budget !== null).map((b) => ({ labels: { cohort: b.cohortName }, value: b.budget! })),
    ),
    gauge(
      "cutover_mismatch_open_records",
      "Mismatch records with status open, per cohort and table",
      perCohortTable(open.map((r) => ({ cohort: r.cohort, table: r.table, value: r.records }))),
    ),
    gauge("cutover_mismatch_inbox_batches", "Accepted mismatch batches waiting to be folded", [{ value: row.batches }]),
    gauge("cutover_mismatch_inbox_records", "Mismatch records in the batches waiting to be folded", [{ value: row.records }]),
    gauge("cutover_mismatch_inbox_oldest_age_seconds", "Age of the oldest batch waiting to be folded (0 when the inbox is empty)", [
      { value: row.oldest ?? 0 },
    ]),
    gauge("cutover_mismatch_set_aside_batches", "Mismatch batches set aside because folding them failed on their data", [{ value: row.set_aside }]),
    gauge("cutover_mismatch_set_aside_records", "Mismatch records in set-aside batches", [{ value: row.set_aside_records }]),
  ];
}
