import type { ReactNode } from "react";
import type { Tone } from "./card";

const TONE: Record<Tone, string> = {
  default: "border-slate-300 bg-slate-50 text-slate-800",
  ok: "border-emerald-300 bg-emerald-50 text-emerald-900",
  warning: "border-amber-300 bg-amber-50 text-amber-900",
  critical: "border-red-300 bg-red-50 text-red-900",
  info: "border-sky-300 bg-sky-50 text-sky-900",
};

export function Banner({ tone = "info", title, children }: { tone?: Tone; title: string; children?: ReactNode }) {
  return (
    <div role={tone === "critical" ? "alert" : "status"} className={`mb-4 rounded-md border px-4 py-3 text-sm ${TONE[tone]}`}>
      <strong className="font-semibold">{title}</strong>
      {children ? <span className="ml-1">{children}</span> : null}
    </div>
  );
}
