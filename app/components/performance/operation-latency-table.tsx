import { Link } from "@remix-run/react";
import { formatFactor, formatLatency } from "~/latency/format";
import { Badge } from "~/components/ui/badge";
import type { Tone } from "~/components/ui/card";

export interface SideFigures {
  count: number;
  errorRate: number;
  p50: number;
  p95: number;
  p99: number;
}

export interface OperationRow {
  table: string;
  operation: string;
  source: SideFigures | null;
  target: SideFigures | null;
  p99Ratio: number | null;
}

/** Past 2x the source's p99 the target is clearly slower; past 1.2x it is worth a look. */
export function ratioTone(ratio: number | null): Tone {
  if (ratio === null) return "default";
  if (ratio > 2) return "critical";
  return ratio > 1.2 ? "warning" : "ok";
}

function percent(rate: number): string {
  return rate === 0 ? "0%" : `${(rate * 100).toFixed(rate < 0.001 ? 3 : 2)}%`;
}

function Figures({ side }: { side: SideFigures | null }) {
  if (!side) return <td className="px-2 py-1.5 text-slate-400" colSpan={4}>not timed</td>;
  return (
    <>
      <td className="px-2 py-1.5 text-right tabular-nums">{formatLatency(side.p50)}</td>
      <td className="px-2 py-1.5 text-right tabular-nums">{formatLatency(side.p95)}</td>
      <td className="px-2 py-1.5 text-right font-medium tabular-nums">{formatLatency(side.p99)}</td>
      <td className="px-2 py-1.5 text-right tabular-nums">{percent(side.errorRate)}</td>
    </>
  );
}

/**
 * Every timed table and operation with both sides' p50/p95/p99 and error rates, the operations where the target
 * is slowest against the source first (the server sorts). A row's operation links to its chart.
 */
export function OperationLatencyTable({ rows, chartHref }: { rows: OperationRow[]; chartHref: (row: OperationRow) => string }) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">No timed operations in this period: the clients report timings of mirrored writes and shadow reads only.</p>;
  return (
    <div className="overflow-x-auto">
      <table className="w-full text-sm" aria-label="Operations, target slowest first">
        <thead className="text-xs uppercase tracking-wide text-slate-500">
          <tr>
            <th rowSpan={2} className="px-2 py-1 text-left">Table</th>
            <th rowSpan={2} className="px-2 py-1 text-left">Operation</th>
            <th rowSpan={2} className="px-2 py-1 text-right">Target p99 / source p99</th>
            <th colSpan={4} className="border-b border-slate-200 px-2 py-1 text-center">Source</th>
            <th colSpan={4} className="border-b border-slate-200 px-2 py-1 text-center">Target</th>
            <th rowSpan={2} className="px-2 py-1 text-right">Calls timed</th>
          </tr>
          <tr>
            {["p50", "p95", "p99", "errors", "p50", "p95", "p99", "errors"].map((h, i) => (
              <th key={i} className="px-2 py-1 text-right">{h}</th>
            ))}
          </tr>
        </thead>
        <tbody>
          {rows.map((row) => (
            <tr key={`${row.table}\u0000${row.operation}`} className="border-t border-slate-100">
              <td className="px-2 py-1.5 font-mono">{row.table}</td>
              <td className="px-2 py-1.5">
                <Link to={chartHref(row)} className="text-sky-700 hover:underline" preventScrollReset>
                  {row.operation}
                </Link>
              </td>
              <td className="px-2 py-1.5 text-right">
                <Badge tone={ratioTone(row.p99Ratio)}>{row.p99Ratio === null ? "one side only" : formatFactor(row.p99Ratio)}</Badge>
              </td>
              <Figures side={row.source} />
              <Figures side={row.target} />
              <td className="px-2 py-1.5 text-right tabular-nums">{((row.source?.count ?? 0) + (row.target?.count ?? 0)).toLocaleString("en")}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
