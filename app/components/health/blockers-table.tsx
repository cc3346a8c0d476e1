import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Time } from "~/components/ui/time";
import { formatRunway } from "~/health/xid-forecast";
import { formatCount } from "~/format/quantities";

export interface BlockerRow {
  key: string;
  label: string;
  own: boolean;
  age: number;
  runwayCostHours: number | null;
  since: string | null;
  query: string | null;
  advice: string;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, BlockerRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("label", {
    header: "Blocker",
    cell: ({ row: { original: b } }) => (
      <>
        <div className="font-medium">
          {b.label} {b.own ? <Badge tone="info">Cutover&apos;s own</Badge> : null}
        </div>
        {b.query ? <code className="block max-w-md truncate text-xs text-slate-500">{b.query}</code> : null}
      </>
    ),
  }),
  helper.accessor("age", { header: "Age (XIDs)", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => formatCount(row.original.age) }),
  helper.accessor("runwayCostHours", {
    header: "Runway it costs",
    meta: { cellClassName: "tabular-nums" },
    cell: ({ row }) => (row.original.runwayCostHours === null ? "unknown until the XID rate is known" : formatRunway(row.original.runwayCostHours)),
  }),
  helper.accessor("since", {
    header: "Since",
    meta: { cellClassName: "text-xs" },
    cell: ({ row }) => (row.original.since ? <Time at={row.original.since} /> : "—"),
  }),
  helper.accessor("advice", { header: "What to do", meta: { cellClassName: "text-xs text-slate-700" } }),
]);

function BlockerList({ rows }: { rows: BlockerRow[] }) {
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.key });
  return <DataTableView table={table} variant="plain" label="Blockers" empty={null} />;
}

/** "What holds freezing back": blockers old enough to matter, the costliest first; young ones folded into a line. */
export function BlockersTable({
  rows,
  folded,
  following,
  meaningfulAge,
}: {
  rows: BlockerRow[];
  folded: { count: number; own: number };
  following: { count: number; own: number };
  meaningfulAge: number;
}) {
  const followingText =
    following.count > 0
      ? `${following.count.toLocaleString("en")} more session${following.count === 1 ? "" : "s"}${following.own ? ` (${following.own} of them Cutover's own)` : ""} show the same age only because they started while a listed transaction was open: ending it frees them too.`
      : null;
  const foldedText =
    folded.count > 0
      ? `${folded.count.toLocaleString("en")} younger transaction${folded.count === 1 ? "" : "s"}${folded.own ? ` (${folded.own} of them Cutover's own)` : ""} not listed: under ${formatCount(meaningfulAge)} XIDs old, they hold back nothing the next vacuum would freeze.`
      : null;
  return (
    <div>
      <p className="mb-2 text-xs text-slate-500">
        Listed from an age of {formatCount(meaningfulAge)} XIDs (five minutes at the current XID rate, or 1% of autovacuum_freeze_max_age if less), ranked by
        the runway each costs: vacuum cannot freeze anything newer while it lasts.
      </p>
      {rows.length === 0 ? <p className="text-sm text-slate-500">Nothing old enough to hold freezing back.</p> : <BlockerList rows={rows} />}
      {followingText ? <p className="mt-2 text-xs text-slate-500">{followingText}</p> : null}
      {foldedText ? <p className="mt-2 text-xs text-slate-500">{foldedText}</p> : null}
    </div>
  );
}
