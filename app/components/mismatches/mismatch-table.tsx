import { DataTableView } from "~/components/data-table/data-table-view";
import { Link } from "@remix-run/react";
import { createColumnHelper, rowSelectionFeature, tableFeatures, useTable, type RowSelectionState } from "@tanstack/react-table";
import { Badge } from "~/components/ui/badge";
import type { Tone } from "~/components/ui/card";
import type { MismatchOrigin } from "~/mismatches/contract";
import { primaryKeyLabel } from "../../normalization/primary-key";
import { Time } from "~/components/ui/time";

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

/** An identifier that may be long: cut to its column with an ellipsis, the whole value on hover. */
function Clipped({ text, mono = false }: { text: string; mono?: boolean }) {
  return (
    <span className={`block truncate ${mono ? "font-mono" : ""}`} title={text}>
      {text}
    </span>
  );
}

// Module scope: v9 recomputes models whenever columns change identity.
// Widths: the table is laid out fixed so that at 1,280 px of content (the page's max width) every column shows;
// words wrap, identifiers truncate with the whole value in a title, the time never wraps or cuts.
const columns = helper.columns([
  helper.display({
    id: "select",
    meta: { className: "w-10" },
    header: ({ table }) => (
      <input type="checkbox" aria-label="Select all on this page" checked={table.getIsAllRowsSelected()} onChange={table.getToggleAllRowsSelectedHandler()} />
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
    meta: { className: "w-[4.5rem]" },
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={`/mismatches/${row.original.id}`}>
        #{row.original.id}
      </Link>
    ),
  }),
  helper.accessor("table", { header: "Table", meta: { className: "w-28" }, cell: ({ row }) => <Clipped mono text={row.original.table} /> }),
  helper.accessor("primaryKey", { header: "Key", cell: ({ row }) => <Clipped mono text={primaryKeyLabel(row.original.primaryKey)} /> }),
  helper.accessor("kind", { header: "Kind", meta: { className: "w-24" }, cell: ({ row }) => row.original.kind.replaceAll("_", " ") }),
  helper.accessor("differingFields", {
    header: "Differing fields",
    cell: ({ row }) => <Clipped mono text={row.original.differingFields.join(", ") || "—"} />,
  }),
  helper.accessor("origin", { header: "Origin", meta: { className: "w-24" }, cell: ({ row }) => row.original.origin.replaceAll("_", " ") }),
  helper.accessor("status", {
    header: "Status",
    meta: { className: "w-32" },
    cell: ({ row }) => <Badge tone={STATUS_TONE[row.original.status] ?? "default"}>{row.original.status}</Badge>,
  }),
  helper.accessor("occurrences", {
    header: "Seen",
    meta: { className: "w-16 text-right" },
    cell: ({ row }) => row.original.occurrences.toLocaleString("en"),
  }),
  helper.accessor("lastSeenAt", {
    header: "Last seen",
    meta: { className: "w-40", cellClassName: "whitespace-nowrap" },
    cell: ({ row }) => <Time at={row.original.lastSeenAt} />,
  }),
  helper.accessor("userId", { header: "User", meta: { className: "w-24" }, cell: ({ row }) => <Clipped text={row.original.userId ?? "—"} /> }),
  helper.accessor("assigneeEmail", {
    header: "Assignee",
    meta: { className: "w-40" },
    cell: ({ row }) => <Clipped text={row.original.assigneeEmail ?? "—"} />,
  }),
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
      label="Mismatches"
      dense
      fixed
      minWidth="min-w-[64rem]"
      empty="No mismatch matches these filters."
      rowProps={(row) => ({ className: row.getIsSelected() ? "bg-sky-50" : undefined })}
    />
  );
}
