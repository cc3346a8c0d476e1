/**
 * Human times and durations, shared by every page and by the server where it writes sentences.
 * Pure (no Remix, no Date.now() hidden inside): callers pass `now`, so the server's render and the browser's
 * hydration can agree on one clock.
 */

const UNITS: Array<[limitSeconds: number, unitSeconds: number, name: string]> = [
  [60, 1, "second"],
  [3600, 60, "minute"],
  [86_400, 3600, "hour"],
  [86_400 * 60, 86_400, "day"],
  [86_400 * 730, 86_400 * 30, "month"],
  [Number.POSITIVE_INFINITY, 86_400 * 365, "year"],
];

/** "3 minutes ago", "in 2 days", "just now". */
export function relativeTime(at: Date | string | number, now: Date | number = Date.now()): string {
  const then = new Date(at).getTime();
  if (!Number.isFinite(then)) return "unknown time";
  const deltaSeconds = (then - new Date(now).getTime()) / 1000;
  const abs = Math.abs(deltaSeconds);
  if (abs < 10) return "just now";
  for (const [limit, unit, name] of UNITS) {
    if (abs < limit) {
      const n = Math.floor(abs / unit);
      const phrase = `${n} ${name}${n === 1 ? "" : "s"}`;
      return deltaSeconds < 0 ? `${phrase} ago` : `in ${phrase}`;
    }
  }
  return "unknown time";
}

/** "2026-12-02 14:05:09 UTC": the absolute form, shown on hover and where precision matters. */
export function absoluteTime(at: Date | string | number): string {
  const d = new Date(at);
  if (!Number.isFinite(d.getTime())) return "unknown time";
  return `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;
}

/** "45 s", "12 min", "3 h 20 min", "4 days 6 h": a duration in words, never raw seconds. */
export function humanDuration(seconds: number): string {
  if (!Number.isFinite(seconds) || seconds < 0) return "unknown";
  if (seconds < 60) return `${Math.round(seconds)} s`;
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return `${minutes} min`;
  const hours = Math.floor(minutes / 60);
  if (hours < 48) {
    const rest = minutes % 60;
    return rest ? `${hours} h ${rest} min` : `${hours} h`;
  }
  const days = Math.floor(hours / 24);
  const restHours = hours % 24;
  return restHours ? `${days} days ${restHours} h` : `${days} days`;
}
