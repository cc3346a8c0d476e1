import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";

/**
 * Re-runs the route's loaders every `intervalMs` while `enabled` (live progress, live readings): the page reads
 * fresh loader data instead of fetching on its own. A tick is skipped while a revalidation is still in flight.
 */
export function useRevalidateEvery(intervalMs: number, enabled = true) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!enabled) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [enabled, intervalMs, revalidator]);
}
