import { DataTableView } from "~/components/data-table/data-table-view";
import { Link } from "@remix-run/react";
import { createColumnHelper, rowSelectionFeature, tableFeatures, useTable, type RowSelectionState } from "@tanstack/react-table";
import { Badge } from "~/components/ui/badge";
import type { Tone } from "~/components/ui/card";
import type { MismatchOrigin } from "~/mismatches/contract";
import { primaryKeyLabel } from "../../normalization/primary-key";

/** The list row as the loader serializes it (a subset of MismatchListRow). */
export interface MismatchTableRow {
  id: number;
  origin: string;
  kind: string;
  table: string;
  primaryKey: unknown;
  userId: string | null;
  cohortId: string | null;
  differingFields: string[];
  status: string;
  assigneeEmail: string | null;
  occurrences: number;
  lastSeenAt: string;
}

export const STATUS_TONE: Record<string, Tone> = {
  open: "critical",
  investigating: "warning",
  resolved: "ok",
  repaired: "ok",
  ignored: "default",
};

const features = tableFeatures({ rowSelectionFeature });
const helper = createColumnHelper<typeof features, MismatchTableRow>();

/** How each origin is named wherever a record's origin is shown. */
export const ORIGIN_LABEL: Record<MismatchOrigin, string> = {
  shadow_read: "Shadow read",
  dual_write_error: "Dual write",
  reconciliation: "Reconciliation",
};

// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.display({
    id: "select",
    header: ({ table }) => (
      <input
        type="checkbox"
        aria-label="Select all on this page"
        checked={table.getIsAllRowsSelected()}
        onChange={table.getToggleAllRowsSelectedHandler()}
      />
    ),
    cell: ({ row }) => (
      <input
        type="checkbox"
        name="ids"
        value={row.original.id}
        aria-label={`Select mismatch ${row.original.id}`}
        checked={row.getIsSelected()}
        onChange={() => row.toggleSelected()}
      />
    ),
  }),
  helper.accessor("id", {
    header: "Id",
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={`/mismatches/${row.original.id}`}>
        #{row.original.id}
      </Link>
    ),
  }),
  helper.accessor("table", { header: "Table", cell: ({ row }) => <span className="font-mono">{row.original.table}</span> }),
  helper.accessor("primaryKey", { header: "Key", cell: ({ row }) => <span className="font-mono text-xs">{primaryKeyLabel(row.original.primaryKey)}</span> }),
  helper.accessor("kind", { header: "Kind", cell: ({ row }) => row.original.kind.replaceAll("_", " ") }),
  helper.accessor("differingFields", {
    header: "Differing fields",
    cell: ({ row }) => <span className="font-mono text-xs">{row.original.differingFields.join(", ") || "—"}</span>,
  }),
  helper.accessor("origin", { header: "Origin", cell: ({ row }) => row.original.origin.replaceAll("_", " ") }),
  helper.accessor("status", { header: "Status", cell: ({ row }) => <Badge tone={STATUS_TONE[row.original.status] ?? "default"}>{row.original.status}</Badge> }),
  helper.accessor("occurrences", { header: "Seen", cell: ({ row }) => row.original.occurrences.toLocaleString("en") }),
  helper.accessor("lastSeenAt", { header: "Last seen", cell: ({ row }) => <time className="whitespace-nowrap text-xs">{row.original.lastSeenAt.slice(0, 19)}</time> }),
  helper.accessor("userId", { header: "User", cell: ({ row }) => <span className="text-xs">{row.original.userId ?? "—"}</span> }),
  helper.accessor("assigneeEmail", { header: "Assignee", cell: ({ row }) => <span className="text-xs">{row.original.assigneeEmail ?? "—"}</span> }),
]);

/**
 * The triage table. Sorting, filtering and paging happen on the server (state in the URL); the table owns only the
 * row selection, whose checkboxes are named `ids` so the surrounding bulk form posts them.
 */
export function MismatchTable({
  rows,
  selection,
  onSelectionChange,
}: {
  rows: MismatchTableRow[];
  selection: RowSelectionState;
  onSelectionChange: (updater: RowSelectionState | ((old: RowSelectionState) => RowSelectionState)) => void;
}) {
  const table = useTable({
    features,
    columns,
    data: rows,
    getRowId: (row) => String(row.id),
    state: { rowSelection: selection },
    onRowSelectionChange: onSelectionChange,
  });
  return (
    <DataTableView
      table={table}
      columnCount={columns.length}
      empty="No mismatch matches these filters."
      rowClassName={(selected) => (selected ? "bg-sky-50" : undefined)}
    />
  );
}
