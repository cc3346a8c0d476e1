import { Badge } from "~/components/ui/badge";
import { Time } from "~/components/ui/time";
import { formatRunway } from "~/health/xid-forecast";
import { formatCount } from "./format";

export interface BlockerRow {
  key: string;
  label: string;
  own: boolean;
  age: number;
  runwayCostHours: number | null;
  since: string | null;
  query: string | null;
  advice: string;
}

/** "What holds freezing back": blockers old enough to matter, the costliest first; young ones folded into a line. */
export function BlockersTable({ rows, folded, meaningfulAge }: { rows: BlockerRow[]; folded: { count: number; own: number }; meaningfulAge: number }) {
  const foldedText =
    folded.count > 0
      ? `${folded.count.toLocaleString("en")} younger transaction${folded.count === 1 ? "" : "s"}${folded.own ? ` (${folded.own} of them Cutover's own)` : ""} not listed: under ${formatCount(meaningfulAge)} XIDs old, they hold back nothing the next vacuum would freeze.`
      : null;
  return (
    <div>
      <p className="mb-2 text-xs text-slate-500">
        Listed from an age of {formatCount(meaningfulAge)} XIDs (five minutes at the current XID rate, or 1% of autovacuum_freeze_max_age if less), ranked by the
        runway each costs: vacuum cannot freeze anything newer while it lasts.
      </p>
      {rows.length === 0 ? (
        <p className="text-sm text-slate-500">Nothing old enough to hold freezing back.</p>
      ) : (
        <table className="w-full text-left text-sm" aria-label="Blockers">
          <thead className="text-xs uppercase text-slate-500">
            <tr>
              <th className="py-1 pr-3">Blocker</th>
              <th className="py-1 pr-3">Age (XIDs)</th>
              <th className="py-1 pr-3">Runway it costs</th>
              <th className="py-1 pr-3">Since</th>
              <th className="py-1">What to do</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((b) => (
              <tr key={b.key} className="border-t border-slate-100 align-top">
                <td className="py-2 pr-3">
                  <div className="font-medium">
                    {b.label} {b.own ? <Badge tone="info">Cutover&apos;s own</Badge> : null}
                  </div>
                  {b.query ? <code className="block max-w-md truncate text-xs text-slate-500">{b.query}</code> : null}
                </td>
                <td className="py-2 pr-3 tabular-nums">{formatCount(b.age)}</td>
                <td className="py-2 pr-3 tabular-nums">{b.runwayCostHours === null ? "unknown until the XID rate is known" : formatRunway(b.runwayCostHours)}</td>
                <td className="py-2 pr-3 text-xs">{b.since ? <Time at={b.since} /> : "—"}</td>
                <td className="py-2 text-xs text-slate-700">{b.advice}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
      {foldedText ? <p className="mt-2 text-xs text-slate-500">{foldedText}</p> : null}
    </div>
  );
}
