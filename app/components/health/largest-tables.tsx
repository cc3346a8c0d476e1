import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { formatBytes } from "~/format/quantities";

export interface LargestTableRow {
  schema: string;
  table: string;
  totalBytes: number;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, LargestTableRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("table", { header: "Table", cell: ({ row }) => `${row.original.schema}.${row.original.table}` }),
  helper.accessor("totalBytes", { header: "Size", meta: { className: "text-right tabular-nums" }, cell: ({ row }) => formatBytes(row.original.totalBytes) }),
]);

/** The source's largest tables, name and size; the card's title says what the list is, so no header row. */
export function LargestTables({ tables }: { tables: LargestTableRow[] }) {
  const table = useTable({ features, columns, data: tables, getRowId: (row) => `${row.schema}.${row.table}` });
  return <DataTableView table={table} variant="plain" headless empty={null} />;
}
