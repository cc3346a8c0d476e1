/** A point of a growth series: a byte count (or any figure) at a moment (epoch ms). */
export interface SeriesPoint {
  at: number;
  value: number;
}

export interface LinearFit {
  /** Units per millisecond. */
  slope: number;
  /** Value at epoch 0; use valueAt(). */
  intercept: number;
  points: number;
}

/** Least-squares line through the points; null when there are fewer than 2 distinct moments. */
export function linearFit(points: readonly SeriesPoint[]): LinearFit | null {
  const n = points.length;
  if (n < 2) return null;
  // Centre on the first moment: epoch ms squared loses precision in doubles.
  const t0 = points[0].at;
  let sx = 0,
    sy = 0,
    sxx = 0,
    sxy = 0;
  for (const p of points) {
    const x = p.at - t0;
    sx += x;
    sy += p.value;
    sxx += x * x;
    sxy += x * p.value;
  }
  const denominator = n * sxx - sx * sx;
  if (denominator === 0) return null;
  const slope = (n * sxy - sx * sy) / denominator;
  const interceptAtT0 = (sy - slope * sx) / n;
  return { slope, intercept: interceptAtT0 - slope * t0, points: n };
}

export function valueAt(fit: LinearFit, at: number): number {
  return fit.intercept + fit.slope * at;
}

/** Points within `windowMs` before the newest one: the window a runway is fitted over. */
export function withinWindow(points: readonly SeriesPoint[], windowMs: number): SeriesPoint[] {
  const sorted = [...points].sort((a, b) => a.at - b.at);
  if (sorted.length === 0) return sorted;
  const since = sorted[sorted.length - 1].at - windowMs;
  return sorted.filter((p) => p.at >= since);
}

/**
 * Days from `now` until the fitted line reaches `threshold`, moving in `direction` (free space falls, size rises).
 * 0 when the latest reading is already past it; null when the trend never gets there or there is too little data.
 */
export function daysUntilThreshold(
  points: readonly SeriesPoint[],
  threshold: number,
  direction: "rising" | "falling",
  now = points.length ? Math.max(...points.map((p) => p.at)) : 0,
): number | null {
  if (points.length === 0) return null;
  const latest = points.reduce((a, b) => (b.at > a.at ? b : a));
  const past = direction === "rising" ? latest.value >= threshold : latest.value <= threshold;
  if (past) return 0;
  const fit = linearFit(points);
  if (!fit) return null;
  if (direction === "rising" ? fit.slope <= 0 : fit.slope >= 0) return null;
  const crossing = (threshold - fit.intercept) / fit.slope;
  return Math.max(0, (crossing - now) / 86_400_000);
}
