import { Link } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { groupRecordsPath } from "~/components/mismatches/group-link";
import { Sparkline } from "~/components/mismatches/sparkline";
import { Badge } from "~/components/ui/badge";
import { Card, type Tone } from "~/components/ui/card";

export interface MismatchSummary {
  open: number;
  investigating: number;
  estimated: boolean;
  lastDay: number[];
  cohorts: { cohortId: string; cohortName: string; budget: number | null; rate: number | null; compared: number; windowMinutes: number }[];
  topGroups: { key: string; table: string; kind: string; differingFields: string[]; occurrences: number; trend: number[] }[];
  setAsideBatches: number;
  waitingRecords: number;
}

type TopGroup = MismatchSummary["topGroups"][number];
const features = tableFeatures({});
const helper = createColumnHelper<typeof features, TopGroup>();
// Module scope: v9 recomputes models whenever columns change identity.
const topColumns = helper.columns([
  helper.accessor("table", {
    header: "Table",
    cell: ({ row }) => (
      <Link to={groupRecordsPath(row.original)} className="font-mono text-sky-700 hover:underline">
        {row.original.table}
      </Link>
    ),
  }),
  helper.accessor("kind", { header: "Kind", meta: { cellClassName: "text-slate-600" }, cell: ({ row }) => row.original.kind.replaceAll("_", " ") }),
  helper.accessor("differingFields", {
    header: "Differing fields",
    meta: { cellClassName: "font-mono text-xs" },
    cell: ({ row }) => row.original.differingFields.join(", ") || "—",
  }),
  helper.accessor("occurrences", {
    header: "Occurrences",
    meta: { className: "text-right tabular-nums" },
    cell: ({ row }) => row.original.occurrences.toLocaleString("en"),
  }),
  helper.accessor("trend", {
    header: "Last 24 h",
    cell: ({ row }) => (
      <Sparkline values={row.original.trend} label={`Occurrences per hour of ${row.original.table} ${row.original.differingFields.join(", ")}`} />
    ),
  }),
]);

/** The worst groups of the last 24 h; the card's heading names the list, so the rows need no header. */
function TopOffenderTable({ groups }: { groups: TopGroup[] }) {
  const table = useTable({ features, columns: topColumns, data: groups, getRowId: (row) => row.key });
  return <DataTableView table={table} variant="plain" headless empty={null} />;
}

function percent(rate: number): string {
  return `${(rate * 100).toFixed(rate < 0.001 ? 3 : 2)}%`;
}

function windowText(minutes: number[]): string {
  return new Set(minutes).size === 1 ? `over the last ${minutes[0]} min, the budget window` : "over each cohort's budget window";
}

/** Past 80% of its budget a cohort is close; over it, its ramp's mismatch gate holds (app/gates/mismatch-budget.server.ts). */
function budgetTone(rate: number | null, budget: number | null): Tone {
  if (rate === null || budget === null) return "default";
  if (rate > budget) return "critical";
  return rate > 0.8 * budget ? "warning" : "ok";
}

/** The Overview's word on correctness: open work, the last day, each cohort against its mismatch budget. */
export function MismatchSummaryCard({ summary }: { summary: MismatchSummary }) {
  const lastDay = summary.lastDay.reduce((a, b) => a + b, 0);
  const approx = summary.estimated ? "≈ " : "";
  return (
    <Card
      title="Mismatches"
      className="lg:col-span-3"
      actions={
        <Link to="/mismatches" className="text-sm text-sky-700 hover:underline">
          Triage
        </Link>
      }
    >
      {summary.setAsideBatches > 0 ? (
        <p role="alert" className="mb-3 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          {`${summary.setAsideBatches.toLocaleString("en")} reported batch${summary.setAsideBatches === 1 ? "" : "es"} could not be folded and ${summary.setAsideBatches === 1 ? "is" : "are"} set aside: `}
          <Link to="/mismatches" className="underline">
            see the triage page
          </Link>
          .
        </p>
      ) : null}
      <div className="grid gap-4 sm:grid-cols-3">
        <div>
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Open</div>
          <div className="text-2xl font-semibold tabular-nums">{`${approx}${summary.open.toLocaleString("en")}`}</div>
          <div className="text-xs text-slate-500">{`${approx}${summary.investigating.toLocaleString("en")} being investigated`}</div>
        </div>
        <div>
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Occurrences, last 24 h</div>
          <div className="text-2xl font-semibold tabular-nums">{lastDay.toLocaleString("en")}</div>
          <Sparkline values={summary.lastDay} width={160} label="Mismatch occurrences per hour over the last 24 hours" />
          {summary.waitingRecords > 0 ? (
            <div className="text-xs text-slate-500">{`${summary.waitingRecords.toLocaleString("en")} more still being folded in`}</div>
          ) : null}
        </div>
        <div>
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Rate against budget</div>
          {summary.cohorts.length === 0 ? <div className="text-sm text-slate-500">No cohorts yet.</div> : null}
          <ul className="mt-1 space-y-0.5 text-sm">
            {summary.cohorts.map((c) => (
              <li key={c.cohortId} className="flex justify-between gap-2">
                <Link to={`/cohorts/${c.cohortId}`} className="truncate text-sky-700 hover:underline">
                  {c.cohortName}
                </Link>
                <span className="tabular-nums">
                  <Badge tone={budgetTone(c.rate, c.budget)}>{c.rate === null ? "nothing compared" : percent(c.rate)}</Badge>
                  {c.budget !== null ? <span className="text-slate-400">{` / ${percent(c.budget)}`}</span> : null}
                </span>
              </li>
            ))}
          </ul>
          {summary.cohorts.length ? <div className="mt-1 text-xs text-slate-500">{windowText(summary.cohorts.map((c) => c.windowMinutes))}</div> : null}
        </div>
      </div>
      {summary.topGroups.length ? (
        <div className="mt-4">
          <div className="text-xs font-medium uppercase tracking-wide text-slate-500">Top offenders, last 24 h</div>
          <div className="mt-1">
            <TopOffenderTable groups={summary.topGroups} />
          </div>
        </div>
      ) : null}
    </Card>
  );
}
