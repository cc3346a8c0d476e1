/**
 * The periods the Performance page offers, with the chart's bin width for each (about 60 points). Kept out of
 * the page's model: the route's component reads it in the browser, where a `*.server.ts` module is empty.
 */
export const PERFORMANCE_RANGES = {
  "1h": { minutes: 60, binMinutes: 1 },
  "6h": { minutes: 360, binMinutes: 6 },
  "24h": { minutes: 1440, binMinutes: 30 },
  "7d": { minutes: 10080, binMinutes: 180 },
} as const;
export type PerformanceRange = keyof typeof PERFORMANCE_RANGES;
