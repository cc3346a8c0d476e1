import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { Link } from "@remix-run/react";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { ChangeSummary } from "~/components/json-diff-inline";
import { Time } from "~/components/ui/time";
import { nameIdsInText } from "~/audit/change-summary";

/** An audit record as the audit log's loader serializes it. */
export interface AuditTableRow {
  id: number;
  at: string;
  actorLabel: string;
  action: string;
  entityType: string;
  entityId: string | null;
  before?: unknown;
  after?: unknown;
  reason: string | null;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, AuditTableRow>();

/** `names` turns the ids a change mentions into what they name; `now` keeps relative times equal on server and client. */
function auditColumns({ names, now }: { names: Record<string, string>; now: number }) {
  return helper.columns([
    helper.accessor("at", {
      header: "When",
      meta: { cellClassName: "whitespace-nowrap text-slate-600" },
      cell: ({ row }) => <Time at={row.original.at} now={now} />,
    }),
    helper.accessor("actorLabel", { header: "Who" }),
    helper.accessor("action", { header: "Action", meta: { cellClassName: "font-mono text-xs" } }),
    helper.accessor("entityType", {
      header: "Entity",
      cell: ({ row: { original: r } }) => (
        <>
          {r.entityType.replace(/_/g, " ")}
          {r.entityId ? (
            <EntityLink type={r.entityType} id={r.entityId}>
              {names[r.entityId] ? (
                <span className="block text-xs text-slate-700" title={r.entityId}>
                  {names[r.entityId]}
                </span>
              ) : (
                <span className="block break-all font-mono text-xs text-slate-500">{r.entityId}</span>
              )}
            </EntityLink>
          ) : null}
        </>
      ),
    }),
    helper.display({
      id: "change",
      header: "Change",
      meta: { cellClassName: "max-w-md" },
      cell: ({ row }) => <ChangeSummary before={row.original.before} after={withoutRepeatedReason(row.original.after, row.original.reason)} names={names} />,
    }),
    helper.accessor("reason", {
      header: "Reason",
      meta: { cellClassName: "text-slate-700" },
      // reasons the system writes name jobs by id ("backfill <id>: converge round 2"): say what they ran on
      cell: ({ getValue }) => {
        const reason = getValue();
        return reason ? nameIdsInText(reason, names) : null;
      },
    }),
  ]);
}

export function AuditTable({ rows, names, now }: { rows: AuditTableRow[]; names: Record<string, string>; now: number }) {
  const columns = useMemo(() => auditColumns({ names, now }), [names, now]);
  const table = useTable({ features, columns, data: rows, getRowId: (row) => String(row.id) });
  return <DataTableView table={table} empty="No changes match this filter." />;
}

/** The pages that show one entity, so an audit row leads to what it changed. */
const ENTITY_PAGES: Record<string, string> = {
  cohort: "/cohorts/",
  mismatch: "/mismatches/",
  reconciliation: "/reconciliations/",
  backfill: "/backfills/",
};

function EntityLink({ type, id, children }: { type: string; id: string; children: React.ReactNode }) {
  const page = ENTITY_PAGES[type];
  return page ? (
    <Link to={`${page}${encodeURIComponent(id)}`} className="hover:underline">
      {children}
    </Link>
  ) : (
    <>{children}</>
  );
}

/** Some actions store their reason in `after` too: the Reason column already says it. */
function withoutRepeatedReason(after: unknown, reason: string | null): unknown {
  if (typeof after !== "object" || after === null || Array.isArray(after) || !("reason" in after)) return after;
  const { reason: stored, ...rest } = after as Record<string, unknown>;
  return stored === reason ? rest : after;
}
