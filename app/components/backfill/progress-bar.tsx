import { humanDuration } from "~/format/time";
/** A labelled progress bar (role progressbar), for a backfill's copy. */
export function ProgressBar({ percent, label }: { percent: number; label: string }) {
  const value = Math.max(0, Math.min(100, Math.round(percent)));
  return (
    <div
      role="progressbar"
      aria-label={label}
      aria-valuemin={0}
      aria-valuemax={100}
      aria-valuenow={value}
      className="h-3 w-full overflow-hidden rounded bg-slate-200"
    >
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
/** An ETA in words ("12 min"), or a dash when there is none to give. */
export function formatEta(seconds: number | null): string {
  return seconds === null ? "—" : humanDuration(seconds);
}
