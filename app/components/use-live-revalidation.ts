import { useRevalidator } from "@remix-run/react";
import { useEffect } from "react";

/** Live progress: re-runs the route's loaders every `intervalMs` while `live` (no client-side data fetching). */
export function useLiveRevalidation(live: boolean, intervalMs = 1_000) {
  const revalidator = useRevalidator();
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, intervalMs);
    return () => clearInterval(timer);
  }, [live, intervalMs, revalidator]);
}
