import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import type { XidForecast } from "~/health/xid-forecast";
import { formatCount } from "~/format/quantities";
import { XidHorizons } from "./xid-horizons";

export interface OldestTableRow {
  name: string;
  xidAge: number;
  mxidAge: number;
  forecast: XidForecast;
}

// The system catalogs age with every database and are frozen by the same vacuums; they are rarely the story.
const CATALOG = /^(pg_catalog|information_schema|pg_toast)\./;

type Horizons = { rateKnown: boolean; hasFailsafe: boolean };
const features = tableFeatures({});
const helper = createColumnHelper<typeof features, OldestTableRow>();

function oldestColumns(horizons: Horizons) {
  return helper.columns([
    helper.accessor("name", { header: "Table" }),
    helper.accessor("xidAge", { header: "XID age", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => formatCount(row.original.xidAge) }),
    helper.accessor("mxidAge", { header: "Multixact age", meta: { cellClassName: "tabular-nums" }, cell: ({ row }) => formatCount(row.original.mxidAge) }),
    helper.accessor("forecast", {
      header: "At the current rate",
      meta: { cellClassName: "text-xs" },
      cell: ({ row }) => <XidHorizons forecast={row.original.forecast} {...horizons} />,
    }),
  ]);
}

function OldestTable({ rows, horizons, label }: { rows: OldestTableRow[]; horizons: Horizons; label: string }) {
  const { rateKnown, hasFailsafe } = horizons;
  const columns = useMemo(() => oldestColumns({ rateKnown, hasFailsafe }), [rateKnown, hasFailsafe]);
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.name });
  return <DataTableView table={table} variant="plain" label={label} empty={null} />;
}

/**
 * The oldest tables: the application's, then the system catalogs folded into one line with their count and
 * oldest age. (Readings stored before the collector counted catalogs apart list them among the tables.)
 */
export function OldestTables({
  tables,
  catalogs,
  horizons,
}: {
  tables: OldestTableRow[];
  catalogs: (OldestTableRow & { count: number }) | null;
  horizons: { rateKnown: boolean; hasFailsafe: boolean };
}) {
  const application = tables.filter((t) => !CATALOG.test(t.name));
  const listedCatalogs = tables.filter((t) => CATALOG.test(t.name));
  const folded =
    catalogs ?? (listedCatalogs.length ? { ...listedCatalogs.reduce((a, b) => (b.xidAge > a.xidAge ? b : a)), count: listedCatalogs.length } : null);
  return (
    <div>
      {application.length ? (
        <OldestTable rows={application} horizons={horizons} label="Oldest application tables" />
      ) : (
        <p className="text-sm text-slate-500">No application table has been read yet.</p>
      )}
      {folded ? (
        <div className="mt-2 flex flex-wrap items-baseline gap-x-3 text-sm text-slate-600">
          <span>
            {folded.count.toLocaleString("en")} system catalog table{folded.count === 1 ? "" : "s"} (oldest {formatCount(folded.xidAge)} XIDs; folded: frozen by
            the same vacuums as the database)
          </span>
          <span className="text-xs">
            <XidHorizons forecast={folded.forecast} {...horizons} />
          </span>
        </div>
      ) : null}
    </div>
  );
}
