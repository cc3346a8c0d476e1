import { listCohortLatencyBudgets, type CohortLatencyBudget } from "./latency-budget.server";
import { PERFORMANCE_RANGES, type PerformanceRange } from "../latency/ranges";
import {
  cohortSideLatency,
  sideLatency,
  latencyByOperation,
  latencyOverTime,
  type LatencyPoint,
  type OperationLatency,
  type SideLatency,
} from "./operation-latency.server";

export interface PerformanceQuery {
  range: PerformanceRange;
  /** A cohort's id, "" for users no cohort decides, undefined for all. */
  cohortId?: string;
  /** The operation the chart shows; the whole filter's traffic when absent. */
  table?: string;
  operation?: string;
}

export interface CohortLatencyState extends CohortLatencyBudget {
  source: SideLatency | null;
  target: SideLatency | null;
}

export interface Performance {
  operations: OperationLatency[];
  chart: LatencyPoint[];
  cohorts: CohortLatencyState[];
}

/** The Performance page: operations slowest on the target first, the chart, each cohort's latency gate. */
export async function loadPerformance(query: PerformanceQuery, now = new Date()): Promise<Performance> {
  const { minutes, binMinutes } = PERFORMANCE_RANGES[query.range];
  const since = new Date(now.getTime() - minutes * 60_000);
  const filter = { since, cohortId: query.cohortId };
  const [operations, chart, budgets] = await Promise.all([
    latencyByOperation(filter),
    latencyOverTime({ ...filter, table: query.table, operation: query.operation }, binMinutes),
    listCohortLatencyBudgets(),
  ]);
  const cohorts = await Promise.all(budgets.map(async (b) => ({ ...b, ...(await cohortSideLatency(b.cohortId, b.windowMinutes, now)) })));
  return { operations, chart, cohorts };
}

export interface PerformanceSummary {
  /** The three operations where the target is slowest against the source over the last hour. */
  slowest: OperationLatency[];
  /** All timed traffic of the last hour, per side. */
  overall: { source: SideLatency | null; target: SideLatency | null };
}

/** The Overview's card: the last hour's slowest operations on the target. */
export async function loadPerformanceSummary(now = new Date()): Promise<PerformanceSummary> {
  const since = new Date(now.getTime() - 60 * 60_000);
  const [operations, overall] = await Promise.all([latencyByOperation({ since }), sideLatency({ since })]);
  return { slowest: operations.slice(0, 3), overall };
}
