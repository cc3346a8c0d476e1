import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";

/** One change of a repair's dry run (the shape of the repair planner's action, as the page receives it). */
export interface RepairPlanRow {
  action: "insert" | "update" | "delete";
  key: unknown;
  keyObject: Record<string, string>;
  values: Record<string, string | null>;
}

const ACTION_TONE = { insert: "info", update: "warning", delete: "critical" } as const;
// Long values are cut: the dry run shows what changes, the source keeps the whole value.
const shown = (v: string | null) => (v === null ? "NULL" : v.length > 80 ? `${v.slice(0, 80)}…` : v);

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, RepairPlanRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("action", { header: "Change", cell: ({ row }) => <Badge tone={ACTION_TONE[row.original.action]}>{row.original.action}</Badge> }),
  helper.accessor("keyObject", { header: "Key", meta: { cellClassName: "font-mono text-xs" }, cell: ({ row }) => JSON.stringify(row.original.keyObject) }),
  helper.accessor("values", {
    header: "Values written",
    meta: { cellClassName: "break-all font-mono text-xs" },
    cell: ({ row: { original: a } }) =>
      a.action === "delete"
        ? "row deleted"
        : Object.entries(a.values)
            .map(([c, v]) => `${c} = ${shown(v)}`)
            .join("; "),
  }),
]);

export function RepairPlanTable({ actions }: { actions: RepairPlanRow[] }) {
  const table = useTable({ features, columns, data: actions, getRowId: (row) => JSON.stringify(row.key) });
  return <DataTableView table={table} variant="plain" label="Repair plan" empty={null} />;
}
