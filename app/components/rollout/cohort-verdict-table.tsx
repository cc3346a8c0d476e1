import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import type { CohortTrace } from "../../rollout/explain";
import { MODE_LABELS } from "../../rollout/modes";
import { formatBasisPoints } from "../../rollout/percent";

/** One cohort's verdict on one user, as the evaluation explains it. */
export type CohortVerdictRow = CohortTrace;

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, CohortVerdictRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("cohort", { header: "Cohort", cell: ({ row }) => row.original.cohort.name }),
  helper.accessor("mode", { header: "Mode", cell: ({ row }) => MODE_LABELS[row.original.mode] }),
  helper.accessor("percentBasisPoints", { header: "Share", cell: ({ row }) => formatBasisPoints(row.original.percentBasisPoints) }),
  helper.accessor("constraintsMatch", { header: "Constraints match", cell: ({ row }) => (row.original.constraintsMatch ? "yes" : "no") }),
  helper.accessor("bucket", { header: "Bucket (cohort salt)" }),
  helper.accessor("covers", { header: "Covers", cell: ({ row }) => (row.original.covers ? (row.original.decided ? "yes — decides" : "yes") : "no") }),
]);

/** Every cohort in priority order; the one that decides is highlighted. */
export function CohortVerdictTable({ verdicts }: { verdicts: CohortVerdictRow[] }) {
  const table = useTable({ features, columns, data: verdicts, getRowId: (row) => row.cohort.id });
  return (
    <DataTableView table={table} variant="plain" empty={null} rowProps={(row) => ({ className: row.original.decided ? "bg-sky-50 font-medium" : undefined })} />
  );
}
