/**
 * Seconds before postgres.js tries a failed connection again, the wait of every query queued meanwhile. Its
 * default grows to 20 s, which left pages hanging for seconds during an outage instead of answering 503 at once;
 * this stays under half a second, with jitter so the pools of many processes do not reconnect in step.
 */
export function reconnectBackoff(retries: number): number {
  return Math.min(0.05 * 2 ** retries, 0.5) * (0.75 + Math.random() / 4);
}
