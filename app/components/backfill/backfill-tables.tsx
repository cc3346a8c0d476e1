import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { BACKFILL_TONE, formatEta, ProgressBar } from "./progress-bar";
import { Time } from "~/components/ui/time";
import { WaitingBadge } from "~/components/jobs/waiting-for-database";

const features = tableFeatures({});

/** A job of the backfills list as its loader serializes it. */
export interface BackfillJobRow {
  id: string;
  table: string;
  scope: string;
  status: keyof typeof BACKFILL_TONE;
  /** Under way, but waiting for a database it lost to answer again. */
  waiting: boolean;
  progress: { percent: number; etaSeconds: number | null };
  copied: number;
  setAside: number;
  rounds: number;
  createdBy: string;
  createdAt: string;
}

const job = createColumnHelper<typeof features, BackfillJobRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const jobColumns = job.columns([
  job.accessor("table", {
    header: "Table",
    meta: { cellClassName: "font-mono text-xs" },
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={`/backfills/${row.original.id}`}>
        {row.original.table}
      </Link>
    ),
  }),
  job.accessor("scope", { header: "Scope" }),
  job.accessor("status", {
    header: "Status",
    cell: ({ row }) =>
      row.original.waiting ? <WaitingBadge /> : <Badge tone={BACKFILL_TONE[row.original.status]}>{row.original.status.replace("_", " ")}</Badge>,
  }),
  job.display({
    id: "copy",
    header: "Copy",
    meta: { className: "w-48" },
    cell: ({ row }) => <ProgressBar percent={row.original.progress.percent} label={`Copy of ${row.original.table}`} />,
  }),
  job.display({ id: "eta", header: "ETA", cell: ({ row }) => formatEta(row.original.progress.etaSeconds) }),
  // Rows the copy wrote: rows already on the target (mirrored writes) are kept, not counted.
  job.accessor("copied", { header: "Rows written", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => row.original.copied.toLocaleString("en") }),
  job.accessor("setAside", { header: "Set aside", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => row.original.setAside.toLocaleString("en") }),
  job.accessor("rounds", { header: "Rounds", meta: { cellClassName: "tabular-nums" } }),
  job.accessor("createdAt", { header: "Started", cell: ({ row }) => <Time at={row.original.createdAt} /> }),
  job.accessor("createdBy", { header: "By" }),
]);

export function BackfillJobTable({ jobs }: { jobs: BackfillJobRow[] }) {
  const table = useTable({ features, columns: jobColumns, data: jobs, getRowId: (row) => row.id });
  return <DataTableView table={table} variant="plain" label="Backfill jobs" empty={null} />;
}

/** One verify-and-repair round of a backfill's converge phase. */
export interface ConvergeRoundRow {
  round: number;
  reconciliationJobId: string;
  differences: number;
  repaired: number;
  remaining: number;
  error?: string | null;
  finishedAt: string;
}

const round = createColumnHelper<typeof features, ConvergeRoundRow>();
const roundColumns = round.columns([
  round.accessor("round", { header: "Round" }),
  round.accessor("reconciliationJobId", {
    header: "Verify",
    cell: ({ row }) => (
      <Link className="text-sky-700 hover:underline" to={`/reconciliations/${row.original.reconciliationJobId}`}>
        verify job
      </Link>
    ),
  }),
  round.accessor("differences", { header: "Differences", meta: { cellClassName: "tabular-nums" } }),
  round.accessor("repaired", { header: "Repaired", meta: { cellClassName: "tabular-nums" } }),
  round.accessor("remaining", {
    header: "Left after repair",
    meta: { cellClassName: "tabular-nums" },
    cell: ({ row }) => (
      <>
        {row.original.remaining}
        {row.original.error ? <span className="ml-2 text-red-700">{row.original.error}</span> : null}
      </>
    ),
  }),
  round.accessor("finishedAt", { header: "Finished", cell: ({ row }) => <Time at={row.original.finishedAt} /> }),
]);

export function ConvergeRoundTable({ rounds }: { rounds: ConvergeRoundRow[] }) {
  const table = useTable({ features, columns: roundColumns, data: rounds, getRowId: (row) => String(row.round) });
  return <DataTableView table={table} variant="plain" label="Converge rounds" empty={null} />;
}

/** A row the target refused during a backfill's copy. */
export interface SetAsideRow {
  id: string | number;
  key: unknown;
  row: unknown;
  sqlstate: string | null;
  error: string;
}

const aside = createColumnHelper<typeof features, SetAsideRow>();
const asideColumns = aside.columns([
  aside.accessor("key", { header: "Key", meta: { cellClassName: "font-mono text-xs" }, cell: ({ row }) => JSON.stringify(row.original.key) }),
  aside.accessor("sqlstate", { header: "SQLSTATE", meta: { cellClassName: "font-mono text-xs" } }),
  aside.accessor("error", { header: "The target's error", meta: { cellClassName: "text-red-700" } }),
  aside.accessor("row", {
    header: "Row",
    meta: { cellClassName: "max-w-md truncate font-mono text-xs" },
    cell: ({ row }) => <span title={JSON.stringify(row.original.row)}>{JSON.stringify(row.original.row)}</span>,
  }),
]);

export function SetAsideRowTable({ rows }: { rows: SetAsideRow[] }) {
  const table = useTable({ features, columns: asideColumns, data: rows, getRowId: (row) => String(row.id) });
  return <DataTableView table={table} variant="plain" label="Set-aside rows" empty={null} />;
}
