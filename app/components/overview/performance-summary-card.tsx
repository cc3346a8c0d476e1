import { Link } from "@remix-run/react";
import { formatFactor, formatLatency } from "~/latency/format";
import { ratioTone, type OperationRow, type SideFigures } from "~/components/performance/operation-latency-table";
import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";

export interface PerformanceSummaryProps {
  slowest: OperationRow[];
  overall: { source: SideFigures | null; target: SideFigures | null };
}

function Side({ label, side }: { label: string; side: SideFigures | null }) {
  return (
    <div>
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{`${label} p99`}</div>
      <div className="text-2xl font-semibold tabular-nums">{side ? formatLatency(side.p99) : "—"}</div>
      <div className="text-xs text-slate-500">{side ? `p50 ${formatLatency(side.p50)} · ${side.count.toLocaleString("en")} calls` : "not timed"}</div>
    </div>
  );
}

/** The Overview's word on performance: both sides' p99 over the last hour and where the target is slowest. */
export function PerformanceSummaryCard({ summary }: { summary: PerformanceSummaryProps }) {
  return (
    <Card
      title="Performance, last hour"
      className="lg:col-span-3"
      actions={
        <Link to="/performance" className="text-sm text-sky-700 hover:underline">
          Performance
        </Link>
      }
    >
      <div className="grid gap-4 sm:grid-cols-3">
        <Side label="Source" side={summary.overall.source} />
        <Side label="Target" side={summary.overall.target} />
        <div>
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Slowest on the target</div>
          {summary.slowest.length === 0 ? <div className="text-sm text-slate-500">No mirrored operations timed.</div> : null}
          <ul className="mt-1 space-y-0.5 text-sm">
            {summary.slowest.map((op) => (
              <li key={`${op.table}\u0000${op.operation}`} className="flex justify-between gap-2">
                <span className="truncate">
                  <span className="font-mono">{op.table}</span> {op.operation}
                </span>
                <Badge tone={ratioTone(op.p99Ratio)}>{op.p99Ratio === null ? "one side" : formatFactor(op.p99Ratio)}</Badge>
              </li>
            ))}
          </ul>
        </div>
      </div>
    </Card>
  );
}
