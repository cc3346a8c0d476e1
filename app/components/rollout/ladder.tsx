import { Bar, BarChart, Cell, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { MODE_DESCRIPTIONS, MODE_LABELS, MODES, type Mode } from "../../rollout/modes";

export const MODE_COLOURS: Record<Mode, string> = {
  source_only: "#64748b",
  dual_write: "#0ea5e9",
  shadow_read: "#8b5cf6",
  target_primary: "#f59e0b",
  target_only: "#10b981",
};

/** The migration ladder as its picture: each rung, what it means, and the share of users standing on it. */
export function Ladder({ distribution, exact = false }: { distribution: { mode: Mode; users: number; share: number }[]; exact?: boolean }) {
  const data = MODES.map((mode) => {
    const d = distribution.find((x) => x.mode === mode);
    return {
      mode,
      label: MODE_LABELS[mode],
      share: Math.round((d?.share ?? 0) * 10_000) / 100,
      users: d?.users ?? 0,
    };
  });
  return (
    <div className="grid gap-4 lg:grid-cols-2">
      <ol className="space-y-2" aria-label="Migration ladder">
        {data.map((rung, i) => (
          <li key={rung.mode} className="flex items-start gap-3 rounded border border-slate-200 bg-white p-2">
            <span className="mt-1 h-3 w-3 shrink-0 rounded-full" style={{ background: MODE_COLOURS[rung.mode] }} aria-hidden />
            <div className="flex-1">
              <div className="flex justify-between text-sm font-medium">
                <span>
                  {i + 1}. {rung.label}
                </span>
                <span>
                  {rung.share.toFixed(2)}% · {exact ? "" : "~"}
                  {rung.users.toLocaleString("en")} users
                </span>
              </div>
              <p className="text-xs text-slate-500">{MODE_DESCRIPTIONS[rung.mode]}</p>
            </div>
          </li>
        ))}
      </ol>
      <ClientOnly height={220}>
        {() => (
          <ResponsiveContainer width="100%" height={220}>
            <BarChart data={data} layout="vertical" margin={{ left: 24 }}>
              <XAxis type="number" domain={[0, 100]} unit="%" fontSize={11} />
              <YAxis type="category" dataKey="label" width={110} fontSize={12} />
              <Tooltip formatter={(value) => [`${Number(value).toFixed(2)}%`, "of users"]} />
              <Bar dataKey="share" isAnimationActive={false}>
                {data.map((rung) => (
                  <Cell key={rung.mode} fill={MODE_COLOURS[rung.mode]} />
                ))}
              </Bar>
            </BarChart>
          </ResponsiveContainer>
        )}
      </ClientOnly>
    </div>
  );
}
