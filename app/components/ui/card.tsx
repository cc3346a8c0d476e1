import { useId, type ReactNode } from "react";

export function Card({ title, children, actions, className = "" }: { title?: ReactNode; children: ReactNode; actions?: ReactNode; className?: string }) {
  // Named by its title, a card is a landmark region screen readers (and tests) can find.
  const titleId = useId();
  return (
    <section aria-labelledby={title ? titleId : undefined} className={`rounded-lg border border-slate-200 bg-white p-4 shadow-sm ${className}`}>
      {title || actions ? (
        <div className="mb-3 flex items-center justify-between gap-2">
          {title ? (
            <h2 id={titleId} className="text-sm font-semibold uppercase tracking-wide text-slate-500">
              {title}
            </h2>
          ) : (
            <span />
          )}
          {actions}
        </div>
      ) : null}
      {children}
    </section>
  );
}

export function Stat({ label, value, hint, tone = "default" }: { label: string; value: ReactNode; hint?: ReactNode; tone?: Tone }) {
  return (
    <div className={`rounded-lg border p-4 ${TONE_BORDER[tone]}`}>
      <div className="text-xs font-medium uppercase tracking-wide text-slate-500">{label}</div>
      <div className="mt-1 text-2xl font-semibold tabular-nums text-slate-900">{value}</div>
      {hint ? <div className="mt-1 text-xs text-slate-500">{hint}</div> : null}
    </div>
  );
}

export type Tone = "default" | "ok" | "warning" | "critical" | "info";

export const TONE_BORDER: Record<Tone, string> = {
  default: "border-slate-200 bg-white",
  ok: "border-emerald-200 bg-emerald-50",
  warning: "border-amber-300 bg-amber-50",
  critical: "border-red-300 bg-red-50",
  info: "border-sky-200 bg-sky-50",
};
