import { CartesianGrid, Legend, Line, LineChart, ReferenceLine, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import type { SeriesRow } from "./series-rows";

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

/**
 * Beyond a few days the axis names days, so its ticks fall on midnights (UTC), every few days when the span is long:
 * ticks picked by the chart would fall at any hour and repeat a day's name. Below that, the chart picks them.
 */
function dayTicks(from: number, to: number): number[] | undefined {
  if (to - from < 4 * DAY_MS) return undefined;
  const every = Math.max(1, Math.ceil((to - from) / DAY_MS / 12)) * DAY_MS;
  const ticks: number[] = [];
  for (let t = Math.ceil(from / DAY_MS) * DAY_MS; t <= to; t += every) ticks.push(t);
  return ticks;
}

/**
 * A multi-line time chart (one line per subject) with optional horizontal limit lines. `connectNulls={false}` for
 * measured series (rows from `pivotSeries`): a line then stops where the readings paused.
 */
export function SeriesChart({
  rows,
  subjects,
  limits = [],
  format,
  formatTick = format,
  height = 260,
  connectNulls = true,
}: {
  rows: SeriesRow[];
  subjects: string[];
  limits?: { label: string; value: number; color?: string }[];
  /** A value in the tooltip. */
  format: (value: number) => string;
  /** A value on the axis, where round figures need no decimals; the tooltip's format unless given. */
  formatTick?: (value: number) => string;
  height?: number;
  connectNulls?: boolean;
}) {
  if (rows.length === 0) return <p className="text-sm text-slate-500">No samples in this range yet.</p>;
  const [from, to] = [Number(rows[0].at), Number(rows[rows.length - 1].at)];
  return (
    <ClientOnly height={height}>
      {() => (
        <ResponsiveContainer width="100%" height={height}>
          <LineChart data={rows} margin={{ top: 8, right: 16, bottom: 0, left: 8 }}>
            <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
            <XAxis
              dataKey="at"
              type="number"
              scale="time"
              domain={["dataMin", "dataMax"]}
              ticks={dayTicks(from, to)}
              tickFormatter={timeTick(to - from)}
              fontSize={11}
            />
            <YAxis tickFormatter={(v: number) => formatTick(v)} fontSize={11} width={84} />
            <Tooltip
              labelFormatter={(v) => `${new Date(Number(v)).toISOString().replace("T", " ").slice(0, 19)} UTC`}
              formatter={(v) => (v === null || v === undefined ? "no reading" : format(Number(v)))}
            />
            <Legend />
            {subjects.map((s, i) => (
              <Line key={s} type="monotone" dataKey={s} stroke={COLORS[i % COLORS.length]} dot={false} isAnimationActive={false} connectNulls={connectNulls} />
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
