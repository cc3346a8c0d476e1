import type { ReactNode } from "react";
import { Bar, BarChart, CartesianGrid, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";

const ORIGIN_COLORS: Record<string, string> = { shadow_read: "#0ea5e9", dual_write_error: "#f97316", reconciliation: "#8b5cf6" };
const STATUS_COLORS: Record<string, string> = { open: "#dc2626", investigating: "#f59e0b", resolved: "#10b981", repaired: "#059669", ignored: "#94a3b8" };

/** Occurrences per hour, stacked by origin. */
export function MismatchesPerHourChart({ points }: { points: { hour: string; origin: string; occurrences: number }[] }) {
  const byHour = new Map<string, Record<string, number | string>>();
  for (const p of points) {
    const row = byHour.get(p.hour) ?? { hour: p.hour.slice(11, 16) };
    row[p.origin] = p.occurrences;
    byHour.set(p.hour, row);
  }
  const data = [...byHour.values()];
  return (
    <BarFrame data={data} xKey="hour" legend>
      {Object.keys(ORIGIN_COLORS).map((origin) => (
        <Bar key={origin} dataKey={origin} stackId="origin" fill={ORIGIN_COLORS[origin]} />
      ))}
    </BarFrame>
  );
}

/** Records per status (now). */
export function MismatchStatusChart({ counts }: { counts: { status: string; records: number }[] }) {
  return (
    <BarFrame data={counts.map((c) => ({ ...c, fill: STATUS_COLORS[c.status] }))} xKey="status">
      <Bar dataKey="records" />
    </BarFrame>
  );
}

/** Each cohort's mismatch rate over its window beside its budget, in percent. */
export function CohortRateChart({ rows }: { rows: { cohortName: string; rate: number | null; budget: number | null }[] }) {
  const data = rows.map((r) => ({
    cohort: r.cohortName,
    rate: r.rate === null ? 0 : Number((r.rate * 100).toFixed(4)),
    budget: r.budget === null ? 0 : Number((r.budget * 100).toFixed(4)),
  }));
  return (
    <BarFrame data={data} xKey="cohort" unit="%" legend>
      <Bar dataKey="rate" name="mismatch rate %" fill="#e11d48" />
      <Bar dataKey="budget" name="budget %" fill="#94a3b8" />
    </BarFrame>
  );
}

/** The triage page's bar charts: one size, grid, axes and tooltip; the bars are the caller's. */
function BarFrame({ data, xKey, unit, legend, children }: { data: object[]; xKey: string; unit?: string; legend?: boolean; children: ReactNode }) {
  return (
    <ClientOnly height={220}>
      {() => (
        <ResponsiveContainer width="100%" height={220}>
          <BarChart data={data}>
            <CartesianGrid strokeDasharray="3 3" />
            <XAxis dataKey={xKey} fontSize={11} />
            <YAxis fontSize={11} unit={unit} />
            <Tooltip />
            {legend ? <Legend /> : null}
            {children}
          </BarChart>
        </ResponsiveContainer>
      )}
    </ClientOnly>
  );
}
