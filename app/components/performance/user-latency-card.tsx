import { Link } from "@remix-run/react";
import { formatLatency } from "~/latency/format";
import { Card } from "~/components/ui/card";
import type { OperationRow, SideFigures } from "./operation-latency-table";

function cell(side: SideFigures | null) {
  return side ? `${formatLatency(side.p50)} / ${formatLatency(side.p99)}` : "—";
}

/**
 * The support page's latency: timings are kept per cohort, table and operation (not per user, which would be
 * unbounded), so this shows the last hour of the operations of the cohort the user's requests are timed in.
 */
export function UserLatencyCard({ cohortName, operations }: { cohortName: string | null; operations: OperationRow[] }) {
  const group = cohortName ? `cohort ${cohortName}` : "users no cohort decides";
  return (
    <Card
      title="Latency of this user's operations, last hour"
      actions={
        <Link to="/performance" className="text-sm text-sky-700 hover:underline">
          Performance
        </Link>
      }
    >
      <p className="mb-2 text-xs text-slate-500">{`Timed per cohort, not per user: these are the mirrored writes and shadow reads of ${group}, which this user's requests are part of. p50 / p99 per side.`}</p>
      {operations.length === 0 ? (
        <p className="text-sm text-slate-500">Not known: nothing of this user's cohort was timed in the last hour (only mirrored writes and shadow reads are).</p>
      ) : (
        <table className="w-full text-sm" aria-label="Latency per side">
          <thead className="text-xs uppercase tracking-wide text-slate-500">
            <tr>
              <th className="text-left">Table</th>
              <th className="text-left">Operation</th>
              <th className="text-right">Source p50 / p99</th>
              <th className="text-right">Target p50 / p99</th>
            </tr>
          </thead>
          <tbody>
            {operations.map((op) => (
              <tr key={`${op.table}\u0000${op.operation}`} className="border-t border-slate-100">
                <td className="font-mono">{op.table}</td>
                <td>{op.operation}</td>
                <td className="text-right tabular-nums">{cell(op.source)}</td>
                <td className="text-right tabular-nums">{cell(op.target)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </Card>
  );
}
