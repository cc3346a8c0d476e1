/**
 * CockroachDB aborts a transaction it cannot serialize with SQLSTATE 40001 ("restart transaction: ..." in its
 * message) and expects the client to run it again; PostgreSQL's SERIALIZABLE does the same, rarely. Such a target
 * write is retried a bounded number of times before the client reports it as a `write_error`.
 */
export interface TargetWriteRetry {
  /** Retries after the first attempt (0 turns retrying off). Default 3. */
  retries?: number;
  /** Wait before each retry, ms; the last entry repeats. Default 10, 50, 200. Each wait is jittered by ±50%. */
  backoffMs?: readonly number[];
}

export const DEFAULT_TARGET_WRITE_RETRY: Required<TargetWriteRetry> = { retries: 3, backoffMs: [10, 50, 200] };

/** CockroachDB's message for a retryable error; the driver's SQLSTATE says the same when it carries one. */
const RESTART_TRANSACTION = /restart transaction/i;

export function isRetryableWriteError(error: unknown): boolean {
  if (typeof error !== "object" || error === null) return false;
  const { code, message } = error as { code?: unknown; message?: unknown };
  return code === "40001" || (typeof message === "string" && RESTART_TRANSACTION.test(message));
}

/**
 * Runs a write, again after a retryable error while retries are left. The call must be a whole transaction (or
 * one statement): a 40001 means the database rolled it back, so running it again is safe. Other errors, and the
 * last retryable one, are thrown as they came. `onRetry` counts the retries.
 */
export async function withTargetWriteRetry<R>(
  call: () => Promise<R> | R,
  policy: Required<TargetWriteRetry>,
  onRetry: () => void = () => {},
  random: () => number = Math.random,
): Promise<R> {
  for (let attempt = 0; ; attempt++) {
    try {
      return await call();
    } catch (error) {
      if (attempt >= policy.retries || !isRetryableWriteError(error)) throw error;
      onRetry();
      const base = policy.backoffMs[Math.min(attempt, policy.backoffMs.length - 1)] ?? 0;
      // Jitter, so clients that collided on one row do not collide again in step.
      await new Promise((resolve) => setTimeout(resolve, base * (0.5 + random())));
    }
  }
}
