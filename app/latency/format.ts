/** A latency in ms as people read it: "0.42 ms", "12.3 ms", "1.25 s". */
export function formatLatency(ms: number): string {
  if (ms < 1) return `${ms.toFixed(2)} ms`;
  if (ms < 100) return `${ms.toFixed(1)} ms`;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  return `${(ms / 1000).toFixed(2)} s`;
}

/** A latency on a chart's axis, where ticks are round figures: "0", "0.5 ms", "50 ms", "1.5 s". */
export function formatLatencyTick(ms: number): string {
  if (ms === 0) return "0";
  if (ms < 1000) return `${Number(ms.toPrecision(3))} ms`;
  return `${Number((ms / 1000).toPrecision(3))} s`;
}

/** How many times the source's figure the target's is: "2.4x". */
export function formatFactor(factor: number): string {
  return `${factor >= 10 ? factor.toFixed(0) : factor.toFixed(1)}x`;
}
