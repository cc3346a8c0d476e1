import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
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

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, OperationRow>();
const FIGURE = { className: "text-right", cellClassName: "tabular-nums" };

/** One side's p50, p95, p99 and error rate under its name; a side with no timings says so in its first column. */
function sideColumns(side: "source" | "target") {
  const figure = (id: string, header: string, show: (f: SideFigures) => string, emphasis = "") =>
    helper.accessor((row) => row[side], {
      id: `${side}-${id}`,
      header,
      meta: { ...FIGURE, cellClassName: `${FIGURE.cellClassName} ${emphasis}` },
      cell: ({ getValue }) => {
        const figures = getValue();
        if (figures) return show(figures);
        return id === "p50" ? <span className="text-slate-400">not timed</span> : null;
      },
    });
  return helper.group({
    id: side,
    header: side === "source" ? "Source" : "Target",
    meta: { className: "border-b border-slate-200 text-center" },
    columns: helper.columns([
      figure("p50", "p50", (f) => formatLatency(f.p50)),
      figure("p95", "p95", (f) => formatLatency(f.p95)),
      figure("p99", "p99", (f) => formatLatency(f.p99), "font-medium"),
      figure("errors", "errors", (f) => percent(f.errorRate)),
    ]),
  });
}

function operationColumns(chartHref: (row: OperationRow) => string) {
  return helper.columns([
    helper.accessor("table", { header: "Table", meta: { cellClassName: "font-mono" } }),
    helper.accessor("operation", {
      header: "Operation",
      cell: ({ row }) => (
        <Link to={chartHref(row.original)} className="text-sky-700 hover:underline" preventScrollReset>
          {row.original.operation}
        </Link>
      ),
    }),
    helper.accessor("p99Ratio", {
      header: "Target p99 / source p99",
      meta: { className: "text-right" },
      cell: ({ getValue }) => {
        const ratio = getValue();
        return <Badge tone={ratioTone(ratio)}>{ratio === null ? "one side only" : formatFactor(ratio)}</Badge>;
      },
    }),
    sideColumns("source"),
    sideColumns("target"),
    helper.accessor((row) => (row.source?.count ?? 0) + (row.target?.count ?? 0), {
      id: "count",
      header: "Calls timed",
      meta: FIGURE,
      cell: ({ getValue }) => getValue().toLocaleString("en"),
    }),
  ]);
}

/**
 * Every timed table and operation with both sides' p50/p95/p99 and error rates, the operations where the target
 * is slowest against the source first (the server sorts). A row's operation links to its chart.
 */
export function OperationLatencyTable({ rows, chartHref }: { rows: OperationRow[]; chartHref: (row: OperationRow) => string }) {
  // The link target depends only on the page's filters, which the route memoizes on the search parameters.
  const columns = useMemo(() => operationColumns(chartHref), [chartHref]);
  const table = useTable({ features, columns, data: rows, getRowId: (row) => `${row.table}\u0000${row.operation}` });
  if (rows.length === 0)
    return <p className="text-sm text-slate-500">No timed operations in this period: the clients report timings of mirrored writes and shadow reads only.</p>;
  return (
    <div className="overflow-x-auto">
      <DataTableView table={table} variant="plain" label="Operations, target slowest first" empty={null} />
    </div>
  );
}
