import { BUCKET_COUNT } from "./bucket";

/**
 * Rollout shares are stored as basis points (0..10000, one per bucket) so that 0.01% steps are exact integers;
 * these convert to and from the percentages people read and type.
 */

export function isBasisPoints(value: unknown): value is number {
  return typeof value === "number" && Number.isInteger(value) && value >= 0 && value <= BUCKET_COUNT;
}

/** "25" / "25%" / "0.01" / "12.5 %" -> basis points; null for anything else (more than 2 decimals, > 100, ...). */
export function parsePercent(text: string): number | null {
  const match = /^\s*(\d{1,3})(?:\.(\d{1,2}))?\s*%?\s*$/.exec(text);
  if (!match) return null;
  const whole = Number(match[1]);
  const fraction = Number((match[2] ?? "").padEnd(2, "0"));
  const basisPoints = whole * 100 + fraction;
  return basisPoints <= BUCKET_COUNT ? basisPoints : null;
}

/** 2500 -> "25.00%". */
export function formatBasisPoints(basisPoints: number): string {
  return `${(basisPoints / 100).toFixed(2)}%`;
}

/** 0..1 share of a basis-point value. */
export function basisPointsShare(basisPoints: number): number {
  return basisPoints / BUCKET_COUNT;
}
