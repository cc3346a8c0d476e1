import { Badge } from "~/components/ui/badge";
import { MODE_LABELS, type Mode } from "../../rollout/modes";
import { MODE_COLOURS } from "./ladder";

export interface RungCountsView {
  rungs: { mode: Mode; users: number; share: number }[];
  basis: { kind: "exact" | "sampled" | "estimated"; text: string };
  emergency: { mode: Mode; reason: string; since: string } | null;
  error: string | null;
}

/** Users on each rung now, in ladder order, with how they were counted; the same figures Cohorts shows. */
export function RungCounts({ counts }: { counts: RungCountsView }) {
  if (counts.error) return <p className="text-sm text-red-700">{counts.error}</p>;
  const prefix = counts.basis.kind === "exact" ? "" : "~";
  return (
    <div>
      <table className="w-full text-sm" aria-label="Users per rung">
        <thead className="text-left text-xs uppercase text-slate-500">
          <tr>
            <th className="py-1">Rung</th>
            <th className="py-1 text-right">Users</th>
            <th className="py-1 text-right">Share</th>
          </tr>
        </thead>
        <tbody>
          {counts.rungs.map((r, i) => (
            <tr key={r.mode} className="border-t border-slate-100">
              <th scope="row" className="py-1 text-left font-normal">
                <span className="mr-2 inline-block h-2.5 w-2.5 rounded-full" style={{ background: MODE_COLOURS[r.mode] }} aria-hidden />
                {i + 1}. {MODE_LABELS[r.mode]}
              </th>
              <td className="py-1 text-right tabular-nums">{`${prefix}${r.users.toLocaleString("en")}`}</td>
              <td className="py-1 text-right tabular-nums">{`${(r.share * 100).toFixed(2)}%`}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="mt-1 text-xs text-slate-500">
        <Badge tone={counts.basis.kind === "exact" ? "ok" : "warning"}>{counts.basis.kind}</Badge> {counts.basis.text}
        {counts.emergency ? `; the emergency switch puts everyone on ${MODE_LABELS[counts.emergency.mode]}` : ""}.
      </p>
    </div>
  );
}
