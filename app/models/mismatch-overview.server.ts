import { cohortRatesAgainstBudget, type CohortRateRow } from "./comparison.server";
import { listMismatchGroups, mismatchesPerHour, mismatchStatusCounts, type MismatchGroup } from "./mismatch-stats.server";
import { mismatchInboxBacklog } from "./mismatch-fold.server";
import { listSetAsideBatches } from "./mismatch-set-aside.server";

export interface MismatchOverview {
  open: number;
  investigating: number;
  /** Status counts come from PostgreSQL's statistics past 200,000 records (mismatchStatusCounts). */
  estimated: boolean;
  /** Occurrences per hour over the last 24 hours, oldest first. */
  lastDay: number[];
  cohorts: CohortRateRow[];
  topGroups: MismatchGroup[];
  setAsideBatches: number;
  waitingRecords: number;
}

/** What the Overview says about correctness: open work, the last day's trend, each cohort against its budget. */
export async function loadMismatchOverview(now = new Date()): Promise<MismatchOverview> {
  const [statuses, perHour, cohorts, topGroups, setAside, backlog] = await Promise.all([
    mismatchStatusCounts(),
    mismatchesPerHour(24, now),
    cohortRatesAgainstBudget(now),
    listMismatchGroups({ limit: 3, now, lastDay: true }),
    listSetAsideBatches(1),
    mismatchInboxBacklog(),
  ]);
  const first = Math.floor(now.getTime() / 3_600_000) * 3_600_000 - 23 * 3_600_000;
  const lastDay = new Array<number>(24).fill(0);
  for (const h of perHour) lastDay[Math.floor((Date.parse(h.hour) - first) / 3_600_000)] += h.occurrences;
  const count = (status: string) => statuses.rows.find((r) => r.status === status)?.records ?? 0;
  return {
    open: count("open"),
    investigating: count("investigating"),
    estimated: statuses.estimated,
    lastDay,
    cohorts,
    topGroups,
    setAsideBatches: setAside.total,
    waitingRecords: backlog.records,
  };
}
