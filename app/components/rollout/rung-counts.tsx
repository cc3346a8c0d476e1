import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { basisDetail } from "~/rollout/population";
import { Badge } from "~/components/ui/badge";
import { MODE_LABELS, type Mode } from "../../rollout/modes";
import { MODE_COLOURS } from "./ladder";

export interface RungCountsView {
  rungs: { mode: Mode; users: number; share: number }[];
  basis: { kind: "exact" | "sampled" | "estimated"; text: string };
  emergency: { mode: Mode; reason: string; since: string } | null;
  error: string | null;
}

type Rung = RungCountsView["rungs"][number];
const features = tableFeatures({});
const helper = createColumnHelper<typeof features, Rung>();

function rungColumns(prefix: string) {
  return helper.columns([
    helper.accessor("mode", {
      header: "Rung",
      meta: { rowHeader: true },
      cell: ({ row }) => (
        <>
          <span className="mr-2 inline-block h-2.5 w-2.5 rounded-full" style={{ background: MODE_COLOURS[row.original.mode] }} aria-hidden />
          {row.index + 1}. {MODE_LABELS[row.original.mode]}
        </>
      ),
    }),
    helper.accessor("users", {
      header: "Users",
      meta: { className: "text-right tabular-nums" },
      cell: ({ row }) => `${prefix}${row.original.users.toLocaleString("en")}`,
    }),
    helper.accessor("share", {
      header: "Share",
      meta: { className: "text-right tabular-nums" },
      cell: ({ row }) => `${(row.original.share * 100).toFixed(2)}%`,
    }),
  ]);
}

/** "~" before counts that are sampled or estimated. */
function RungTable({ rungs, prefix }: { rungs: Rung[]; prefix: string }) {
  const columns = useMemo(() => rungColumns(prefix), [prefix]);
  const table = useTable({ features, columns, data: rungs, getRowId: (row) => row.mode });
  return <DataTableView table={table} variant="plain" label="Users per rung" empty={null} />;
}

/** Users on each rung now, in ladder order, with how they were counted; the same figures Cohorts shows. */
export function RungCounts({ counts }: { counts: RungCountsView }) {
  if (counts.error) return <p className="text-sm text-red-700">{counts.error}</p>;
  return (
    <div>
      <RungTable rungs={counts.rungs} prefix={counts.basis.kind === "exact" ? "" : "~"} />
      <p className="mt-1 text-xs text-slate-500">
        <Badge tone={counts.basis.kind === "exact" ? "ok" : "warning"}>{counts.basis.kind}</Badge> {basisDetail(counts.basis)}
        {counts.emergency ? `; the emergency switch puts everyone on ${MODE_LABELS[counts.emergency.mode]}` : ""}.
      </p>
    </div>
  );
}
