/** What a check returns while the condition does not hold yet: anything else is the awaited value. */
type NotYet = undefined | null | false;

export interface WaitOptions {
  /** 15 s unless said otherwise. */
  timeoutMs?: number;
  /** Time between two checks (a poll interval, not a fixed wait). */
  intervalMs?: number;
  /** A check that throws is tried again (a server that is down or restarting) instead of failing the wait. */
  retryOnError?: boolean;
}

/**
 * Polls until `check` returns a value (not undefined, null or false) and returns it, or fails after the timeout:
 * tests wait for conditions, never sleep. The third argument is the timeout in ms, or the options.
 */
export async function waitFor<T>(check: () => T | NotYet | Promise<T | NotYet>, what: string, options: number | WaitOptions = {}): Promise<T> {
  const { timeoutMs = 15_000, intervalMs = 50, retryOnError = false } = typeof options === "number" ? { timeoutMs: options } : options;
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const value = await check();
      if (value !== undefined && value !== null && value !== false) return value as T;
    } catch (error) {
      if (!retryOnError) throw error;
      lastError = error;
    }
    if (Date.now() > deadline) {
      const cause = lastError instanceof Error ? ` (last error: ${lastError.message})` : "";
      throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${cause}`);
    }
    await new Promise((resolve) => setTimeout(resolve, intervalMs));
  }
}
