import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";

const COLORS = ["#0f766e", "#7c3aed", "#b45309", "#2563eb", "#be123c", "#4d7c0f", "#0e7490", "#a21caf"];

const DAY_MS = 86_400_000;

/**
 * Times on the axis in UTC, like every time in Cutover: the hour within a day's span, the day and hour within a few
 * days', the day alone beyond (a 90-day projection's ticks fall at any hour, which says nothing).
 */
function timeTick(spanMs: number) {
  return (v: number) => {
    const at = new Date(v);
    const day = at.toLocaleDateString("en", { month: "short", day: "numeric", timeZone: "UTC" });
    const hour = at.toISOString().slice(11, 16);
    return spanMs < DAY_MS ? hour : spanMs < 4 * DAY_MS ? `${day} ${hour}` : day;
  };
}

/** A multi-line time chart (one line per subject) with optional horizontal limit lines. */
export function SeriesChart({
  rows,
  subjects,
  limits = [],
  format,
  formatTick = format,
  height = 260,
}: {
  rows: Record<string, number | null>[];
  subjects: string[];
  limits?: { label: string; value: number; color?: string }[];
  /** A value in the tooltip. */
  format: (value: number) => string;
  /** A value on the axis, where round figures need no decimals; the tooltip's format unless given. */
  formatTick?: (value: number) => string;
  height?: number;
}) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">No samples in this range yet.</p>;
  const span = Number(rows[rows.length - 1].at) - Number(rows[0].at);
  return (
    <ClientOnly height={height}>
      {() => (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis dataKey="at" type="number" scale="time" domain={["dataMin", "dataMax"]} tickFormatter={timeTick(span)} fontSize={11} />
            <YAxis tickFormatter={(v: number) => formatTick(v)} fontSize={11} width={84} />
            <Tooltip labelFormatter={(v) => `${new Date(Number(v)).toISOString().replace("T", " ").slice(0, 19)} UTC`} formatter={(v) => format(Number(v))} />
            <Legend />
            {subjects.map((s, i) => (
              <Line key={s} type="monotone" dataKey={s} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} connectNulls />
            ))}
            {limits.map((l) => (
              <ReferenceLine
                key={l.label}
                y={l.value}
                stroke={l.color ?? "#dc2626"}
                strokeDasharray="4 4"
                label={{ value: l.label, fontSize: 10, position: "insideTopLeft" }}
              />
            ))}
          </LineChart>
        </ResponsiveContainer>
      )}
    </ClientOnly>
  );
}

/** Series rows (metric, subject, at, value) into chart rows keyed by subject. */
export function pivotSeries(rows: { subject: string; at: string | Date; value: number }[]): { rows: Record<string, number | null>[]; subjects: string[] } {
  const byAt = new Map<number, Record<string, number | null>>();
  const subjects = new Set<string>();
  for (const r of rows) {
    const at = new Date(r.at).getTime();
    const row = byAt.get(at) ?? { at };
    row[r.subject || "value"] = r.value;
    subjects.add(r.subject || "value");
    byAt.set(at, row);
  }
  return { rows: [...byAt.values()].sort((a, b) => (a.at as number) - (b.at as number)), subjects: [...subjects] };
}
