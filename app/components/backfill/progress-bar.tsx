/** A labelled progress bar (role progressbar), for a backfill's copy. */
export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div role="progressbar" aria-label={label} aria-valuemin={0} aria-valuemax={100} aria-valuenow={value} className="h-3 w-full overflow-hidden rounded bg-slate-200">
      <div className="h-full bg-sky-600 transition-all" style={{ width: `${value}%` }} />
    </div>
  );
}

export const BACKFILL_TONE = {
  queued: "default",
  copying: "info",
  converging: "info",
  converged: "ok",
  not_converged: "warning",
  failed: "critical",
  cancelled: "warning",
} as const;

/** "3 min 20 s" for an ETA in seconds. */
export function formatEta(seconds: number | null): string {
  if (seconds === null) return "—";
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
