/** Keeps a run under a rows-per-second cap, shared by all its concurrent readers. */
export class RowRateLimiter {
  private readonly startedAt = Date.now();
  private rows = 0;

  constructor(private readonly rowsPerSecond: number | null | undefined) {}

  /** Account for rows just read; resolves when reading more would keep the average under the cap. */
  async take(rows: number, signal?: AbortSignal): Promise<void> {
    this.rows += rows;
    if (!this.rowsPerSecond || this.rowsPerSecond <= 0) return;
    const dueAt = this.startedAt + (this.rows / this.rowsPerSecond) * 1000;
    const wait = dueAt - Date.now();
    if (wait > 0) await delay(wait, signal);
  }
}

/** A delay that ends early (rejecting) when the run is cancelled. */
export function delay(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(abortError(signal));
    const timer = setTimeout(() => {
      signal?.removeEventListener("abort", onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(abortError(signal!));
    };
    signal?.addEventListener("abort", onAbort, { once: true });
  });
}

export function abortError(signal: AbortSignal): Error {
  return signal.reason instanceof Error ? signal.reason : new DOMException("reconciliation cancelled", "AbortError");
}
