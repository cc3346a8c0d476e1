import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { groupRecordsPath } from "./group-link";
import { Sparkline } from "./sparkline";
import { Time } from "~/components/ui/time";
import type { MismatchGroup } from "../../mismatches/group";

/** A group of the grouped view as the loader serializes it (its times are already ISO strings). */
export type MismatchGroupRow = MismatchGroup;

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, MismatchGroupRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("table", {
    header: "Table",
    meta: { cellClassName: "font-mono" },
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={groupRecordsPath(row.original)}>
        {row.original.table}
      </Link>
    ),
  }),
  helper.accessor("kind", { header: "Kind", cell: ({ row }) => row.original.kind.replaceAll("_", " ") }),
  helper.accessor("differingFields", {
    header: "Differing fields",
    meta: { cellClassName: "font-mono text-xs" },
    cell: ({ row }) => row.original.differingFields.join(", ") || "—",
  }),
  helper.accessor("records", { header: "Records", cell: ({ row }) => row.original.records.toLocaleString("en") }),
  helper.accessor("occurrences", { header: "Occurrences", cell: ({ row }) => row.original.occurrences.toLocaleString("en") }),
  helper.accessor("firstSeenAt", { header: "First seen", meta: { cellClassName: "text-xs" }, cell: ({ row }) => <Time at={row.original.firstSeenAt} /> }),
  helper.accessor("lastSeenAt", { header: "Last seen", meta: { cellClassName: "text-xs" }, cell: ({ row }) => <Time at={row.original.lastSeenAt} /> }),
  helper.accessor("trend", {
    header: "Last 24 h",
    cell: ({ row }) => (
      <Sparkline values={row.original.trend} label={`Occurrences per hour of ${row.original.table} ${row.original.differingFields.join(", ")}`} />
    ),
  }),
]);

/** The grouped view of triage: one row per table, kind and differing fields, each opening its records. */
export function MismatchGroupTable({ rows }: { rows: MismatchGroupRow[] }) {
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.key });
  return <DataTableView table={table} empty="No mismatches recorded." />;
}
