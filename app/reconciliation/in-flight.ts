/**
 * Writes in flight: a mirrored write reaches the source and the target moments apart, so a row that differs on
 * the first read is re-read with backoff until it matches or the window (per job, counted from the first read)
 * has passed; only a row that still differs then is a difference. A real difference therefore waits the whole
 * window, which the callers overlap with scanning further ranges.
 */
import { delay } from "./rate-limit";
import type { KeyTuple } from "./keys";

/** A few seconds: mirrored writes in the demo and the tests land within 2 s of each other. */
export const DEFAULT_IN_FLIGHT_WINDOW_MS = 5_000;

export interface SettleOptions {
  /** When the first read ended (epoch ms). */
  firstReadAt: number;
  /** First re-read this long after the first read; each later one waits twice as long as the one before. */
  firstDelayMs: number;
  windowMs: number;
  signal?: AbortSignal;
}

/**
 * Re-reads `keys` until `stillDiffering` returns none or the window is over; returns what differs at the last
 * re-read (at least one re-read always happens, as the single delayed re-read did before).
 */
export async function settleInFlight<T extends { key: KeyTuple }>(
  keys: KeyTuple[],
  reread: (keys: KeyTuple[]) => Promise<T[]>,
  options: SettleOptions,
): Promise<{ differing: T[]; rereads: number }> {
  const deadline = options.firstReadAt + Math.max(options.windowMs, options.firstDelayMs);
  let wait = Math.max(1, options.firstDelayMs);
  let next = options.firstReadAt + wait;
  let pending = keys;
  let differing: T[] = [];
  let rereads = 0;
  for (;;) {
    await delay(Math.max(0, next - Date.now()), options.signal);
    differing = await reread(pending);
    rereads++;
    if (differing.length === 0 || Date.now() >= deadline) return { differing, rereads };
    pending = differing.map((d) => d.key);
    wait *= 2;
    next = Math.min(deadline, Date.now() + wait);
  }
}

/** Re-reads of runs in progress at once per worker: each holds its run's candidates (keys only) until its window ends; enough that a window costs a job about once. */
export const MAX_PENDING_RECHECKS = 64;

/**
 * Runs' re-reads in progress while later runs are scanned. `add` waits only when MAX_PENDING_RECHECKS are
 * pending; the first failure is thrown by the next add or by drain, never as an unhandled rejection.
 */
export class RecheckPipeline {
  private readonly pending = new Set<Promise<void>>();
  private failure: { error: unknown } | null = null;

  async add(recheck: Promise<void>): Promise<void> {
    const tracked = recheck.then(
      () => {},
      (error) => {
        this.failure ??= { error };
      },
    );
    this.pending.add(tracked);
    void tracked.finally(() => this.pending.delete(tracked));
    while (this.pending.size >= MAX_PENDING_RECHECKS) await Promise.race(this.pending);
    this.throwIfFailed();
  }

  async drain(): Promise<void> {
    await Promise.all(this.pending);
    this.throwIfFailed();
  }

  /** Waits for every pending re-read to end, whatever its outcome (a worker that stops on an error). */
  async settle(): Promise<void> {
    await Promise.all(this.pending);
  }

  private throwIfFailed() {
    if (this.failure) throw this.failure.error;
  }
}
