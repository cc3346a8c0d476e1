/** A latency in ms as people read it: "0.42 ms", "12.3 ms", "1.25 s". */
export function formatLatency(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** How many times the source's figure the target's is: "2.4x". */
export function formatFactor(factor: number): string {
  return `${factor >= 10 ? factor.toFixed(0) : factor.toFixed(1)}x`;
}
