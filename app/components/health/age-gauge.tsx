import { XID_STOP_AGE, XID_WRAP_LIMIT } from "~/health/xid-limits";
import type { HealthStatus } from "~/health/status";
import { formatCount } from "~/format/quantities";

const FILL: Record<HealthStatus, string> = { ok: "bg-emerald-500", warning: "bg-amber-500", critical: "bg-red-600", down: "bg-slate-400" };

/** One database's XID age on the 0..2^31 scale, with the points where PostgreSQL changes behaviour marked. */
export function AgeGauge({ name, age, status, marks }: { name: string; age: number; status: HealthStatus; marks: { label: string; age: number }[] }) {
  const pct = (value: number) => `${Math.min(100, (value / XID_WRAP_LIMIT) * 100).toFixed(2)}%`;
  return (
    <div>
      <div className="flex items-baseline justify-between text-sm">
        <span className="font-medium text-slate-800">{name}</span>
        <span className="tabular-nums text-slate-600">
          {formatCount(age)} of {formatCount(XID_STOP_AGE)}
        </span>
      </div>
      <div
        className="relative mt-1 h-3 rounded bg-slate-100"
        role="meter"
        aria-label={`XID age of ${name}`}
        aria-valuemin={0}
        aria-valuemax={XID_STOP_AGE}
        aria-valuenow={age}
      >
        <div className={`h-3 rounded ${FILL[status]}`} style={{ width: pct(age) }} />
        {marks.map((m) => (
          <div key={m.label} title={`${m.label}: ${formatCount(m.age)}`} className="absolute top-[-2px] h-4 w-px bg-slate-700" style={{ left: pct(m.age) }} />
        ))}
      </div>
    </div>
  );
}
