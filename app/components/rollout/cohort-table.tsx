import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { MODE_LABELS, type Mode } from "../../rollout/modes";
import { Time } from "~/components/ui/time";
import { formatBasisPoints } from "../../rollout/percent";
import type { RampStatus } from "../../rollout/ramp";
import type { CohortConstraints } from "../../rollout/types";

export interface CohortTableRow {
  id: string;
  name: string;
  priority: number;
  mode: Mode;
  percentBasisPoints: number;
  constraints: CohortConstraints;
  ramp: RampStatus | null;
  version: number;
}

export function constraintSummary(c: CohortConstraints): string {
  const parts: string[] = [];
  if (c.regions?.length) parts.push(`region ${c.regions.join("/")}`);
  if (c.countries?.length) parts.push(`country ${c.countries.join("/")}`);
  if (c.schoolIds?.length) parts.push(`${c.schoolIds.length} school${c.schoolIds.length === 1 ? "" : "s"}`);
  if (c.plans?.length) parts.push(`plan ${c.plans.join("/")}`);
  if (c.userIds?.length) parts.push(`${c.userIds.length.toLocaleString("en")} listed users`);
  return parts.join(" · ") || "everyone";
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, CohortTableRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("priority", { header: "Priority" }),
  helper.accessor("name", {
    header: "Cohort",
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={`/cohorts/${row.original.id}`}>
        {row.original.name}
      </Link>
    ),
  }),
  helper.accessor("mode", { header: "Mode", cell: ({ row }) => <Badge>{MODE_LABELS[row.original.mode]}</Badge> }),
  helper.accessor("percentBasisPoints", { header: "Share", cell: ({ row }) => formatBasisPoints(row.original.percentBasisPoints) }),
  helper.accessor("constraints", { header: "Who", cell: ({ row }) => <span className="text-xs">{constraintSummary(row.original.constraints)}</span> }),
  helper.accessor("ramp", { header: "Ramp", cell: ({ row }) => <RampCell ramp={row.original.ramp} /> }),
]);

function RampCell({ ramp }: { ramp: RampStatus | null }) {
  if (!ramp) return <span className="text-xs text-slate-400">none</span>;
  if (ramp.state === "complete") return <span className="text-xs">complete</span>;
  return (
    <span className="text-xs">
      next {formatBasisPoints(ramp.nextBasisPoints)} {ramp.state === "due" ? "is due" : <Time at={ramp.dueAtMs} />}
    </span>
  );
}

/** Cohorts in evaluation order (priority): the first that covers a user decides. Few rows, so no paging. */
export function CohortTable({ rows }: { rows: CohortTableRow[] }) {
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.id });
  return <DataTableView table={table} empty="No cohorts yet: everyone is on the default mode." />;
}
