import { SeriesChart } from "~/components/health/series-chart";
import { formatLatency, formatLatencyTick } from "~/latency/format";
import type { SideFigures } from "./operation-latency-table";

export interface LatencyChartPoint {
  at: string;
  source: SideFigures | null;
  target: SideFigures | null;
}

/** Source and target p99 (and p50) over time: a target drifting away from the source shows as two lines parting. */
export function LatencyChart({ points }: { points: LatencyChartPoint[] }) {
  const rows = points.map((p) => ({
    at: new Date(p.at).getTime(),
    "source p99": p.source?.p99 ?? null,
    "target p99": p.target?.p99 ?? null,
    "source p50": p.source?.p50 ?? null,
    "target p50": p.target?.p50 ?? null,
  }));
  return <SeriesChart rows={rows} subjects={["source p99", "target p99", "source p50", "target p50"]} format={formatLatency} formatTick={formatLatencyTick} />;
}
