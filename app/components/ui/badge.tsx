import type { ReactNode } from "react";
import type { Tone } from "./card";

const TONE: Record<Tone, string> = {
  default: "bg-slate-100 text-slate-700",
  ok: "bg-emerald-100 text-emerald-800",
  warning: "bg-amber-100 text-amber-800",
  critical: "bg-red-100 text-red-800",
  info: "bg-sky-100 text-sky-800",
};

export function Badge({ children, tone = "default" }: { children: ReactNode; tone?: Tone }) {
  return <span className={`inline-flex items-center rounded px-2 py-0.5 text-xs font-medium ${TONE[tone]}`}>{children}</span>;
}
