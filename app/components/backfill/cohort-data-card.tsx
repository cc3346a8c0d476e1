import { Form, Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { ProgressBar } from "./progress-bar";

export interface CohortDataRow {
  table: string;
  column: string;
  estimatedRows: number | null;
  estimatedBytes: number;
  state: "not_copied" | "copying" | "converging" | "converged" | "not_converged" | "failed" | "cancelled";
  percent: number | null;
  jobId: string | null;
  at: string | null;
}

const bytes = (n: number) =>
  n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)} GiB` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)} MiB` : `${Math.ceil(n / 1024)} KiB`;

function State({ row }: { row: CohortDataRow }) {
  const link = (text: string) =>
    row.jobId ? (
      <Link className="text-sky-700 hover:underline" to={`/backfills/${row.jobId}`}>
        {text}
      </Link>
    ) : (
      text
    );
  switch (row.state) {
    case "not_copied":
      return <Badge>not copied</Badge>;
    case "copying":
      return (
        <span className="flex items-center gap-2">
          <span className="w-24">
            <ProgressBar percent={row.percent ?? 0} label={`Copy of ${row.table}`} />
          </span>
          {link(`copying ${row.percent ?? 0}%`)}
        </span>
      );
    case "converging":
      return <Badge tone="info">{link("copied, verifying")}</Badge>;
    case "converged":
      return <Badge tone="ok">{link(`converged at ${row.at?.slice(0, 16).replace("T", " ")}`)}</Badge>;
    default:
      return <Badge tone="warning">{link(row.state.replace("_", " "))}</Badge>;
  }
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, CohortDataRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const columns = helper.columns([
  helper.accessor("table", { header: "Table", meta: { cellClassName: "font-mono text-xs" } }),
  helper.accessor("column", { header: "User column", meta: { cellClassName: "font-mono text-xs" } }),
  helper.accessor("estimatedRows", {
    header: "Rows (catalog estimate, whole table)",
    meta: { cellClassName: "tabular-nums" },
    cell: ({ row }) => (row.original.estimatedRows === null ? "not analyzed" : `~${row.original.estimatedRows.toLocaleString("en")}`),
  }),
  helper.accessor("estimatedBytes", { header: "Size", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => bytes(row.original.estimatedBytes) }),
  helper.accessor("state", { header: "State", cell: ({ row }) => <State row={row.original} /> }),
]);

function CohortDataTable({ rows }: { rows: CohortDataRow[] }) {
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.table });
  return <DataTableView table={table} variant="plain" label="Cohort data state" empty={null} />;
}

/**
 * The cohort's data on the target, per table holding its users' rows, with "Backfill this cohort" (engineers)
 * and the admin's override of the backfilled gate.
 */
export function CohortDataCard({
  rows,
  error,
  override,
  canStart,
  canOverride,
  errors,
  started,
}: {
  rows: CohortDataRow[];
  error: string | null;
  override: { reason: string; createdBy: string; createdAt: string } | null;
  canStart: boolean;
  canOverride: boolean;
  errors: Record<string, string>;
  started: { started: { table: string; id: string }[]; refused: { table: string; problems: string[] }[] } | null;
}) {
  const pending = rows.filter((r) => r.state !== "converged");
  return (
    <Card title="Data on the target">
      <p className="text-sm text-slate-600">
        The tables holding this cohort&apos;s users&apos; rows (the users table and the tables with a foreign key to it, parents first). The cohort moves to
        shadow read or beyond once every one has converged (the backfilled gate).
      </p>
      {error ? (
        <Banner tone="critical" title="The source's catalog could not be read">
          {error}
        </Banner>
      ) : null}
      {rows.length ? (
        <div className="mt-2">
          <CohortDataTable rows={rows} />
        </div>
      ) : null}
      {started ? (
        <Banner tone={started.refused.length ? "warning" : "ok"} title={`Backfill started for ${started.started.length} table(s)`}>
          {started.refused.map((r) => `${r.table}: ${r.problems.join("; ")}`).join(" · ")}
        </Banner>
      ) : null}
      {override ? (
        <p className="mt-2 text-sm text-amber-700">
          Gate overridden by {override.createdBy} at {override.createdAt.slice(0, 16).replace("T", " ")}: {override.reason}
        </p>
      ) : null}
      {canStart && pending.length ? (
        <Form method="post" className="mt-3 flex flex-wrap items-end gap-3">
          <input type="hidden" name="intent" value="backfill-cohort" />
          <div className="min-w-72 flex-1">
            <Field label="Why backfill this cohort" id="backfill-reason" name="reason" error={errors["backfill.reason"]} />
          </div>
          <Button type="submit">Backfill this cohort</Button>
        </Form>
      ) : null}
      {canOverride && pending.length && !override ? (
        <Form method="post" className="mt-3 flex flex-wrap items-end gap-3">
          <input type="hidden" name="intent" value="backfill-override" />
          <div className="min-w-72 flex-1">
            <Field label="Why override the backfilled gate" id="override-reason" name="reason" error={errors["override.reason"]} />
          </div>
          <Button type="submit" variant="danger">
            Override gate
          </Button>
        </Form>
      ) : null}
    </Card>
  );
}
