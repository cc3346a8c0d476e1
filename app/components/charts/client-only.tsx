import { useEffect, useState, type ReactNode } from "react";

/** recharts measures the DOM, so charts render after hydration; the fallback keeps the layout from jumping. */
export function ClientOnly({ children, height = 240 }: { children: () => ReactNode; height?: number }) {
  const [mounted, setMounted] = useState(false);
  useEffect(() => setMounted(true), []);
  return mounted ? <>{children()}</> : <div style={{ height }} className="animate-pulse rounded bg-slate-50" aria-hidden />;
}
