import { Link } from "@remix-run/react";

/** The time-range switch of the health charts; the range lives in the URL (?range=). */
export function RangeTabs({ ranges, current }: { ranges: readonly string[]; current: string }) {
  return (
    <nav aria-label="Range" className="flex gap-1 text-sm">
      {ranges.map((r) => (
        <Link
          key={r}
          to={`?range=${r}`}
          aria-current={r === current ? "page" : undefined}
          className={`rounded px-2 py-1 ${r === current ? "bg-slate-900 text-white" : "bg-slate-100 text-slate-700"}`}
        >
          {r}
        </Link>
      ))}
    </nav>
  );
}
