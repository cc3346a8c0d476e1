import { isDatabaseUnavailable } from "../utils/database-unavailable";
import { delay } from "../reconciliation/rate-limit";

/** SQLSTATE of an error (postgres.js puts it in `code`; drizzle wraps it in `cause`). */
export function sqlState(error: unknown): string | null {
  for (let e = error as { code?: unknown; cause?: unknown } | undefined, depth = 0; e && depth < 4; e = e.cause as typeof e, depth++) {
    if (typeof e.code === "string" && /^[0-9A-Z]{5}$/.test(e.code)) return e.code;
  }
  return null;
}

/** CockroachDB's retryable transaction error (and PostgreSQL's serialization failure and deadlock). */
export function isRetryable(error: unknown): boolean {
  const code = sqlState(error);
  return code === "40001" || code === "40P01";
}

/** A row's own fault (a value the target's type or a constraint refuses): retrying it will never succeed. */
export function isRowRefusal(error: unknown): boolean {
  const code = sqlState(error);
  return code !== null && (code.startsWith("22") || code.startsWith("23"));
}

export interface RetryReport {
  attempt: number;
  waitMs: number;
  error: unknown;
  unavailable: boolean;
}

/**
 * Runs `work` until it succeeds: 40001 is retried with exponential backoff and jitter (CockroachDB asks clients
 * to), a target that is down or refusing connections is waited for (the job must not fail a range on one
 * error); anything else is thrown. Only cancelling stops the waiting.
 */
export async function withRetry<T>(
  work: () => Promise<T>,
  options: { signal?: AbortSignal; maxRetryable?: number; baseMs?: number; maxWaitMs?: number; onRetry?: (report: RetryReport) => void } = {},
): Promise<T> {
  const base = options.baseMs ?? 25;
  const maxWait = options.maxWaitMs ?? 5_000;
  const maxRetryable = options.maxRetryable ?? 50;
  let retryable = 0;
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      const unavailable = isDatabaseUnavailable(error);
      if (!unavailable && !(isRetryable(error) && ++retryable <= maxRetryable)) throw error;
      const exp = Math.min(maxWait, base * 2 ** Math.min(attempt, 16));
      const waitMs = Math.round(exp / 2 + Math.random() * (exp / 2));
      options.onRetry?.({ attempt, waitMs, error, unavailable });
      await delay(waitMs, options.signal);
    }
  }
}
