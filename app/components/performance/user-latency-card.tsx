import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { formatLatency } from "~/latency/format";
import { Card } from "~/components/ui/card";
import type { OperationRow, SideFigures } from "./operation-latency-table";

function cell(side: SideFigures | null) {
  return side ? `${formatLatency(side.p50)} / ${formatLatency(side.p99)}` : "—";
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, OperationRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("table", { header: "Table", meta: { cellClassName: "font-mono" } }),
  helper.accessor("operation", { header: "Operation" }),
  helper.accessor("source", { header: "Source p50 / p99", meta: { className: "text-right tabular-nums" }, cell: ({ row }) => cell(row.original.source) }),
  helper.accessor("target", { header: "Target p50 / p99", meta: { className: "text-right tabular-nums" }, cell: ({ row }) => cell(row.original.target) }),
]);

function UserLatencyTable({ operations }: { operations: OperationRow[] }) {
  const table = useTable({ features, columns, data: operations, getRowId: (row) => `${row.table}\u0000${row.operation}` });
  return <DataTableView table={table} variant="plain" label="Latency per side" empty={null} />;
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
        <p className="text-sm text-slate-500">
          Not known: nothing of this user's cohort was timed in the last hour (only mirrored writes and shadow reads are).
        </p>
      ) : (
        <UserLatencyTable operations={operations} />
      )}
    </Card>
  );
}
