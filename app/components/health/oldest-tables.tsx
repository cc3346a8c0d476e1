import type { XidForecast } from "~/health/xid-forecast";
import { formatCount } from "./format";
import { XidHorizons } from "./xid-horizons";

export interface OldestTableRow {
  name: string;
  xidAge: number;
  mxidAge: number;
  forecast: XidForecast;
}

// The system catalogs age with every database and are frozen by the same vacuums; they are rarely the story.
const CATALOG = /^(pg_catalog|information_schema|pg_toast)\./;

function Rows({ rows, horizons }: { rows: OldestTableRow[]; horizons: { rateKnown: boolean; hasFailsafe: boolean } }) {
  return (
    <>
      {rows.map((t) => (
        <tr key={t.name} className="border-t border-slate-100 align-top">
          <td className="py-1 pr-3">{t.name}</td>
          <td className="py-1 pr-3 tabular-nums">{formatCount(t.xidAge)}</td>
          <td className="py-1 pr-3 tabular-nums">{formatCount(t.mxidAge)}</td>
          <td className="py-1 text-xs">
            <XidHorizons forecast={t.forecast} {...horizons} />
          </td>
        </tr>
      ))}
    </>
  );
}

/** The oldest tables: the application's first, the system catalogs folded under one line. */
export function OldestTables({ tables, horizons }: { tables: OldestTableRow[]; horizons: { rateKnown: boolean; hasFailsafe: boolean } }) {
  const application = tables.filter((t) => !CATALOG.test(t.name));
  const catalogs = tables.filter((t) => CATALOG.test(t.name));
  const head = (
    <thead className="text-xs uppercase text-slate-500">
      <tr>
        <th className="py-1 pr-3">Table</th>
        <th className="py-1 pr-3">XID age</th>
        <th className="py-1 pr-3">Multixact age</th>
        <th className="py-1">At the current rate</th>
      </tr>
    </thead>
  );
  return (
    <div>
      {application.length ? (
        <table className="w-full text-left text-sm" aria-label="Oldest application tables">
          {head}
          <tbody>
            <Rows rows={application} horizons={horizons} />
          </tbody>
        </table>
      ) : (
        <p className="text-sm text-slate-500">No application table among the oldest.</p>
      )}
      {catalogs.length ? (
        <details className="mt-2 text-sm">
          <summary className="cursor-pointer text-slate-600">
            {catalogs.length} system catalog table{catalogs.length === 1 ? "" : "s"} (oldest {formatCount(Math.max(...catalogs.map((c) => c.xidAge)))} XIDs)
          </summary>
          <table className="mt-1 w-full text-left text-sm" aria-label="Oldest system catalog tables">
            {head}
            <tbody>
              <Rows rows={catalogs} horizons={horizons} />
            </tbody>
          </table>
        </details>
      ) : null}
    </div>
  );
}
