import { controlSql } from "~/utils/db.server";

export interface MismatchRate {
  compared: number;
  mismatched: number;
  /** mismatched / compared; null when nothing was compared. */
  rate: number | null;
}

/** One cohort's mismatch rate over the last `windowMinutes`, from the reported comparison counts. */
export async function cohortMismatchRate(cohortId: string, windowMinutes: number, now = new Date()): Promise<MismatchRate> {
  const since = new Date(now.getTime() - windowMinutes * 60_000).toISOString();
  const [row] = await controlSql()`
    select coalesce(sum(compared), 0)::float8 as compared, coalesce(sum(mismatched), 0)::float8 as mismatched
    from mismatch_comparisons where cohort_id = ${cohortId} and window_start >= ${since}::timestamptz`;
  const compared = Number(row.compared);
  const mismatched = Number(row.mismatched);
  return { compared, mismatched, rate: compared > 0 ? mismatched / compared : null };
}

export interface CohortRateRow extends MismatchRate {
  cohortId: string;
  cohortName: string;
  budget: number | null;
  windowMinutes: number;
}

/** Every cohort's rate over its own budget window, beside its budget (the chart on the mismatches page). */
export async function cohortRatesAgainstBudget(now = new Date()): Promise<CohortRateRow[]> {
  const rows = await controlSql()`
    select c.id::text as cohort_id, c.name, c.mismatch_budget, c.budget_window_minutes,
      coalesce(sum(m.compared), 0)::float8 as compared, coalesce(sum(m.mismatched), 0)::float8 as mismatched
    from cohorts c
    left join mismatch_comparisons m on m.cohort_id = c.id::text
      and m.window_start >= ${now.toISOString()}::timestamptz - make_interval(mins => c.budget_window_minutes)
    group by c.id, c.name, c.mismatch_budget, c.budget_window_minutes, c.priority
    order by c.priority`;
  return rows.map((r) => {
    const compared = Number(r.compared);
    const mismatched = Number(r.mismatched);
    return {
      cohortId: r.cohort_id,
      cohortName: r.name,
      budget: r.mismatch_budget === null ? null : Number(r.mismatch_budget),
      windowMinutes: r.budget_window_minutes,
      compared,
      mismatched,
      rate: compared > 0 ? mismatched / compared : null,
    };
  });
}
