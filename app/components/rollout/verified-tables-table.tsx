import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Time } from "~/components/ui/time";

/** A table a cohort must have verified clean before it advances, and whether it still is. */
export interface VerifiedTableRow {
  table: string;
  verifiedAt: string | null;
  maxAgeHours: number;
  fresh: boolean;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, VerifiedTableRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("table", { header: "Table", meta: { cellClassName: "font-mono text-xs" } }),
  helper.accessor("verifiedAt", {
    header: "Last verified clean",
    cell: ({ row }) => (row.original.verifiedAt ? <Time at={row.original.verifiedAt} /> : "never"),
  }),
  helper.accessor("maxAgeHours", { header: "Maximum age", cell: ({ row }) => `${row.original.maxAgeHours} h` }),
  helper.accessor("fresh", {
    header: "Gate",
    cell: ({ row }) => <Badge tone={row.original.fresh ? "ok" : "critical"}>{row.original.fresh ? "fresh" : "stale"}</Badge>,
  }),
]);

export function VerifiedTablesTable({ tables }: { tables: VerifiedTableRow[] }) {
  const table = useTable({ features, columns, data: tables, getRowId: (row) => row.table });
  return <DataTableView table={table} variant="plain" label="Tables verified clean" empty={null} />;
}
