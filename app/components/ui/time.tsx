import { absoluteTime, relativeTime } from "~/format/time";

/**
 * A time people read: relative ("3 minutes ago"), absolute in UTC on hover and for screen readers via <time>.
 * The server and the browser render a few seconds apart, so the relative words may differ: React is told so.
 */
export function Time({ at, now, className }: { at: string | Date | number | null | undefined; now?: number; className?: string }) {
  if (at === null || at === undefined) return <span className={className}>never</span>;
  const iso = new Date(at).toISOString();
  return (
    <time dateTime={iso} title={absoluteTime(at)} className={className} suppressHydrationWarning>
      {relativeTime(at, now ?? Date.now())}
    </time>
  );
}
