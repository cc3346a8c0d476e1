import { Form, Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Time } from "~/components/ui/time";
import { WaitingBadge } from "~/components/jobs/waiting-for-database";

const features = tableFeatures({});
// times read "3 minutes ago", the exact UTC time on hover
const at = (iso: string) => <Time at={iso} />;

const JOB_TONE = { queued: "default", running: "info", succeeded: "ok", failed: "critical", cancelled: "warning" } as const;

/** A verify job of the reconciliation page's list, as its loader serializes it. */
export interface ReconciliationJobRow {
  id: string;
  table: string;
  scope: string;
  status: keyof typeof JOB_TONE;
  /** Running, but waiting for a database it lost to answer again. */
  waiting: boolean;
  createdBy: string;
  createdAt: string;
  progress: { percent: number };
  differences: number;
}

const job = createColumnHelper<typeof features, ReconciliationJobRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const jobColumns = job.columns([
  job.accessor("table", {
    header: "Table",
    cell: ({ row }) => (
      <Link className="text-blue-700 underline" to={`/reconciliations/${row.original.id}`}>
        {row.original.table}
      </Link>
    ),
  }),
  job.accessor("scope", { header: "Scope" }),
  job.accessor("status", {
    header: "Status",
    cell: ({ row }) => (row.original.waiting ? <WaitingBadge /> : <Badge tone={JOB_TONE[row.original.status]}>{row.original.status}</Badge>),
  }),
  job.display({ id: "progress", header: "Progress", cell: ({ row }) => `${row.original.progress.percent}%` }),
  job.accessor("differences", { header: "Differences" }),
  job.accessor("createdBy", { header: "Started by" }),
  job.accessor("createdAt", { header: "Created", cell: ({ row }) => at(row.original.createdAt) }),
]);

export function ReconciliationJobTable({ jobs }: { jobs: ReconciliationJobRow[] }) {
  const table = useTable({ features, columns: jobColumns, data: jobs, getRowId: (row) => row.id });
  return <DataTableView table={table} variant="plain" empty="No reconciliation yet." />;
}

/** A table swept by a verify job every few hours. */
export interface ScheduleRow {
  table: string;
  everyHours: number;
  lastQueuedAt: string | null;
  createdBy: string;
}

const schedule = createColumnHelper<typeof features, ScheduleRow>();

function scheduleColumns({ canRemove, busy }: { canRemove: boolean; busy: boolean }) {
  return schedule.columns([
    schedule.accessor("table", { header: "Table" }),
    schedule.accessor("everyHours", { header: "Every", cell: ({ row }) => `${row.original.everyHours} h` }),
    schedule.accessor("lastQueuedAt", { header: "Last queued", cell: ({ row }) => (row.original.lastQueuedAt ? at(row.original.lastQueuedAt) : "not yet") }),
    schedule.accessor("createdBy", { header: "Set by" }),
    schedule.display({
      id: "actions",
      header: "",
      cell: ({ row }) =>
        canRemove ? (
          <Form method="post">
            <input type="hidden" name="intent" value="unschedule" />
            <input type="hidden" name="table" value={row.original.table} />
            <Button type="submit" variant="secondary" disabled={busy}>
              Remove
            </Button>
          </Form>
        ) : null,
    }),
  ]);
}

export function ScheduleTable({ schedules, canRemove, busy }: { schedules: ScheduleRow[]; canRemove: boolean; busy: boolean }) {
  const columns = useMemo(() => scheduleColumns({ canRemove, busy }), [canRemove, busy]);
  const table = useTable({ features, columns, data: schedules, getRowId: (row) => row.table });
  return <DataTableView table={table} variant="plain" label="Schedules" empty="No table is swept on a schedule." />;
}

/** When a table was last verified clean, and what its latest verify found that is not a mismatch. */
export interface FreshnessRow {
  schemaName: string;
  tableName: string;
  verifiedAt: string | null;
  lastRunAt: string | null;
  notYetMigrated: number | null;
  ignoredByRule: number | null;
  ownerColumn: string | null;
}

const fresh = createColumnHelper<typeof features, FreshnessRow>();
const freshnessColumns = fresh.columns([
  fresh.accessor("tableName", { header: "Table", cell: ({ row }) => `${row.original.schemaName}.${row.original.tableName}` }),
  fresh.accessor("verifiedAt", { header: "Whole table verified clean", cell: ({ row }) => (row.original.verifiedAt ? at(row.original.verifiedAt) : "never") }),
  fresh.accessor("lastRunAt", { header: "Last verify (any scope)", cell: ({ row }) => (row.original.lastRunAt ? at(row.original.lastRunAt) : "—") }),
  fresh.accessor("notYetMigrated", { header: "Not yet migrated", cell: ({ row }) => row.original.notYetMigrated ?? "—" }),
  fresh.accessor("ignoredByRule", { header: "Ignored by rule", cell: ({ row }) => row.original.ignoredByRule ?? "—" }),
  fresh.accessor("ownerColumn", { header: "Owner column", cell: ({ row }) => row.original.ownerColumn ?? "none" }),
]);

export function FreshnessTable({ rows }: { rows: FreshnessRow[] }) {
  const table = useTable({ features, columns: freshnessColumns, data: rows, getRowId: (row) => `${row.schemaName}.${row.tableName}` });
  return <DataTableView table={table} variant="plain" label="Freshness" empty={null} />;
}
