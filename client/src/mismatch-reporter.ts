import { randomUUID } from "node:crypto";
import { mismatchRecordProblem, type MismatchBatchBody, type MismatchKind, type MismatchOrigin, type MismatchWireRecord } from "../../app/mismatches/contract";
import { canonicalPrimaryKey, primaryKeyIdentity, type KeyScalar, type PrimaryKeyInput } from "../../app/normalization";

export type { MismatchBatchBody, MismatchKind, MismatchOrigin };

/** One mismatch as the caller hands it to the reporter. */
export interface MismatchReport extends Omit<MismatchWireRecord, "fingerprint" | "detectedAt"> {
  /** Groups repeats of one problem; derived from kind, table, key and differing columns when omitted. */
  fingerprint?: string;
  /** Defaults to the moment of enqueue. */
  detectedAt?: Date | string;
  /** Columns that differ; only used to derive the fingerprint, not sent. */
  columns?: string[];
}

export interface MismatchReporterOptions {
  /** Base URL of the control plane, e.g. https://cutover.internal */
  url: string;
  token: string;
  /** Mismatches held while the control plane is slow or down; beyond it new ones are dropped and counted. */
  maxQueue?: number;
  /** Distinct (cohort, table, window) comparison counters held; beyond it new counters are dropped. */
  maxComparisonWindows?: number;
  maxBatchSize?: number;
  flushIntervalMs?: number;
  /** Width of the comparison-count windows. */
  windowMs?: number;
  backoffBaseMs?: number;
  backoffMaxMs?: number;
  requestTimeoutMs?: number;
  /** Injected for tests of jitter; defaults to Math.random. */
  random?: () => number;
}

export interface MismatchReporterStats {
  /** Mismatches waiting (queued plus the batch in flight). */
  pending: number;
  enqueued: number;
  delivered: number;
  comparisonsDelivered: number;
  dropped: number;
  droppedComparisons: number;
  /** Batches the API refused for good (4xx other than 408/409/425/429): their content is lost, and counted here. */
  rejectedBatches: number;
  rejectedMismatches: number;
  batchesDelivered: number;
  retries: number;
  lastError: string | null;
  lastDeliveredAt: Date | null;
}

interface PendingBatch {
  key: string;
  body: string;
  mismatches: number;
  comparisons: number;
  attempts: number;
}

interface ComparisonCounter {
  cohort: string | null;
  table: string;
  windowStart: number;
  compared: number;
  mismatched: number;
}

const RETRYABLE_STATUS = new Set([408, 409, 425, 429]);

/** Entries sent beside the comparison counts in the same batches (the client's latency histograms). */
export interface ReportSource {
  pending(): number;
  /** Up to `max` JSON entries, removed from the source. */
  take(max: number): string[];
}

/**
 * Batches mismatches and comparison counts to POST /api/v1/mismatches. Enqueueing is a slot write into a ring
 * buffer (no allocation, no I/O, no await) so it can sit on a request path; the queue is bounded and drops the
 * newest report when full, so a slow control plane costs memory up to maxQueue and never blocks the caller.
 * One batch is in flight at a time and keeps its Idempotency-Key across retries, so a retry after a lost
 * response cannot be counted twice by the server.
 */
export class MismatchReporter {
  private readonly endpoint: string;
  private readonly token: string;
  private readonly capacity: number;
  private readonly maxComparisonWindows: number;
  private readonly maxBatchSize: number;
  private readonly flushIntervalMs: number;
  private readonly windowMs: number;
  private readonly backoffBaseMs: number;
  private readonly backoffMaxMs: number;
  private readonly requestTimeoutMs: number;
  private readonly random: () => number;

  private readonly ring: (MismatchReport | undefined)[];
  private readonly ringTimes: Float64Array;
  private head = 0;
  private size = 0;
  private readonly counters = new Map<string, ComparisonCounter>();

  private inFlight: PendingBatch | null = null;
  private sending = false;
  private retryTimer: NodeJS.Timeout | null = null;
  private soonTimer: NodeJS.Immediate | null = null;
  private readonly intervalTimer: NodeJS.Timeout;
  private closed = false;
  private idleWaiters: (() => void)[] = [];
  /** The client's latency histograms, sent as the batch's `latencies` (app/latency/histogram.ts). */
  latencies: ReportSource | null = null;

  private counts = {
    enqueued: 0,
    delivered: 0,
    comparisonsDelivered: 0,
    dropped: 0,
    droppedComparisons: 0,
    rejectedBatches: 0,
    rejectedMismatches: 0,
    batchesDelivered: 0,
    retries: 0,
  };
  private lastError: string | null = null;
  private lastDeliveredAt: Date | null = null;

  constructor(options: MismatchReporterOptions) {
    this.endpoint = new URL("/api/v1/mismatches", options.url).toString();
    this.token = options.token;
    this.capacity = options.maxQueue ?? 10_000;
    this.maxComparisonWindows = options.maxComparisonWindows ?? 5_000;
    // One batch is in flight at a time, so throughput is batch size / round trip: 2,000 keeps 50k/s within reach
    // of a 40 ms round trip while staying far below the API's 5,000-record limit.
    this.maxBatchSize = Math.min(options.maxBatchSize ?? 2_000, 5_000);
    this.flushIntervalMs = options.flushIntervalMs ?? 1_000;
    this.windowMs = options.windowMs ?? 60_000;
    this.backoffBaseMs = options.backoffBaseMs ?? 250;
    this.backoffMaxMs = options.backoffMaxMs ?? 30_000;
    this.requestTimeoutMs = options.requestTimeoutMs ?? 10_000;
    this.random = options.random ?? Math.random;
    this.ring = new Array(this.capacity);
    this.ringTimes = new Float64Array(this.capacity);
    this.intervalTimer = setInterval(() => this.pump(), this.flushIntervalMs);
    this.intervalTimer.unref();
  }

  /** Queues one mismatch; false (and counted as dropped) when the queue is full or the reporter closed. */
  enqueue(report: MismatchReport): boolean {
    if (this.closed || this.size === this.capacity) {
      this.counts.dropped++;
      return false;
    }
    let slot = this.head + this.size;
    if (slot >= this.capacity) slot -= this.capacity;
    this.ring[slot] = report;
    this.ringTimes[slot] = Date.now();
    this.size++;
    this.counts.enqueued++;
    if (this.size >= this.maxBatchSize) this.sendSoon();
    return true;
  }

  /** Counts one comparison (and whether it found a mismatch) in the current window of its cohort and table. */
  recordComparison(cohort: string | null, table: string, mismatched: boolean, count = 1): boolean {
    if (this.closed) {
      this.counts.droppedComparisons += count;
      return false;
    }
    const now = Date.now();
    const windowStart = now - (now % this.windowMs);
    const key = `${cohort ?? ""}\u0000${table}\u0000${windowStart}`;
    let counter = this.counters.get(key);
    if (!counter) {
      if (this.counters.size >= this.maxComparisonWindows) {
        this.counts.droppedComparisons += count;
        return false;
      }
      counter = { cohort, table, windowStart, compared: 0, mismatched: 0 };
      this.counters.set(key, counter);
    }
    counter.compared += count;
    if (mismatched) counter.mismatched += count;
    return true;
  }

  stats(): MismatchReporterStats {
    return {
      pending: this.size + (this.inFlight?.mismatches ?? 0),
      ...this.counts,
      lastError: this.lastError,
      lastDeliveredAt: this.lastDeliveredAt,
    };
  }

  /**
   * Resolves true once everything queued before (and during) the call is delivered, false if the deadline
   * passes first (e.g. the control plane is down); retries keep going in the background either way.
   */
  flush(timeoutMs = 10_000): Promise<boolean> {
    if (this.isIdle()) return Promise.resolve(true);
    if (this.retryTimer) {
      // An explicit flush is a good moment to try again now rather than wait out the backoff.
      clearTimeout(this.retryTimer);
      this.retryTimer = null;
    }
    return new Promise<boolean>((resolve) => {
      const timer = setTimeout(() => {
        this.idleWaiters = this.idleWaiters.filter((w) => w !== onIdle);
        resolve(false);
      }, timeoutMs);
      timer.unref();
      const onIdle = () => {
        clearTimeout(timer);
        resolve(true);
      };
      this.idleWaiters.push(onIdle);
      this.pump();
    });
  }

  /** Stops accepting reports, tries to deliver what is queued within the deadline, then stops all timers. */
  async close(timeoutMs = 5_000): Promise<boolean> {
    const delivered = await this.flush(timeoutMs);
    this.closed = true;
    clearInterval(this.intervalTimer);
    if (this.retryTimer) clearTimeout(this.retryTimer);
    if (this.soonTimer) clearImmediate(this.soonTimer);
    this.retryTimer = null;
    this.soonTimer = null;
    return delivered;
  }

  private isIdle(): boolean {
    return this.size === 0 && this.counters.size === 0 && this.inFlight === null && !this.latencies?.pending();
  }

  private sendSoon(): void {
    if (this.soonTimer || this.sending || this.retryTimer) return;
    this.soonTimer = setImmediate(() => {
      this.soonTimer = null;
      this.pump();
    });
    this.soonTimer.unref();
  }

  /** Sends batches until the queue is empty or a send fails (then a backoff timer calls back). */
  private pump(): void {
    if (this.sending || this.retryTimer) return;
    this.sending = true;
    void this.drain()
      .catch((error: unknown) => {
        this.lastError = errorMessage(error);
      })
      .finally(() => {
        this.sending = false;
        // A flush that arrived while the last pass was finishing must not wait for the next interval tick.
        if (!this.retryTimer && !this.closed && this.idleWaiters.length > 0) this.pump();
      });
  }

  private async drain(): Promise<void> {
    for (;;) {
      if (!this.inFlight) this.inFlight = this.takeBatch();
      if (!this.inFlight) {
        const waiters = this.idleWaiters;
        this.idleWaiters = [];
        for (const w of waiters) w();
        return;
      }
      const batch = this.inFlight;
      const outcome = await this.send(batch);
      if (outcome === "delivered") {
        this.counts.delivered += batch.mismatches;
        this.counts.comparisonsDelivered += batch.comparisons;
        this.counts.batchesDelivered++;
        this.lastDeliveredAt = new Date();
        this.inFlight = null;
      } else if (outcome === "rejected") {
        this.counts.rejectedBatches++;
        this.counts.rejectedMismatches += batch.mismatches;
        this.inFlight = null;
      } else {
        if (this.closed) return;
        batch.attempts++;
        this.counts.retries++;
        this.retryTimer = setTimeout(
          () => {
            this.retryTimer = null;
            this.pump();
          },
          outcome.retryAfterMs ?? this.backoffDelay(batch.attempts),
        );
        this.retryTimer.unref();
        return;
      }
    }
  }

  /** Exponential backoff with "equal jitter": never below half the step, so retries spread but still back off. */
  backoffDelay(attempt: number): number {
    const step = Math.min(this.backoffMaxMs, this.backoffBaseMs * 2 ** Math.min(attempt - 1, 30));
    return step / 2 + this.random() * (step / 2);
  }

  private takeBatch(): PendingBatch | null {
    if (this.size === 0 && this.counters.size === 0 && !this.latencies?.pending()) return null;
    const take = Math.min(this.size, this.maxBatchSize);
    const mismatches: string[] = [];
    for (let i = 0; i < take; i++) {
      const report = this.ring[this.head]!;
      const enqueuedAt = this.ringTimes[this.head];
      this.ring[this.head] = undefined;
      this.head = this.head + 1 === this.capacity ? 0 : this.head + 1;
      try {
        mismatches.push(JSON.stringify(toWire(report, enqueuedAt), jsonSafe));
      } catch (error) {
        // An invalid or unserialisable record (a cycle, an invalid date) must not take the batch down with it.
        this.counts.rejectedMismatches++;
        this.lastError = `mismatch dropped before sending: ${errorMessage(error)}`;
      }
    }
    this.size -= take;
    const comparisons: string[] = [];
    for (const [key, c] of this.counters) {
      if (comparisons.length >= this.maxBatchSize) break;
      comparisons.push(
        JSON.stringify({
          cohort: c.cohort,
          table: c.table,
          windowStart: new Date(c.windowStart).toISOString(),
          compared: c.compared,
          mismatched: c.mismatched,
        }),
      );
      this.counters.delete(key);
    }
    const latencies = this.latencies?.take(this.maxBatchSize) ?? [];
    if (mismatches.length === 0 && comparisons.length === 0 && latencies.length === 0) return null;
    // Serialised once: a retry sends the very same bytes under the same key.
    const timings = latencies.length ? `,"latencies":[${latencies.join(",")}]` : "";
    const body = `{"mismatches":[${mismatches.join(",")}],"comparisons":[${comparisons.join(",")}]${timings}}`;
    return { key: randomUUID(), body, mismatches: mismatches.length, comparisons: comparisons.length, attempts: 0 };
  }

  private async send(batch: PendingBatch): Promise<"delivered" | "rejected" | { retryAfterMs?: number }> {
    try {
      const response = await fetch(this.endpoint, {
        method: "POST",
        headers: {
          "content-type": "application/json",
          authorization: `Bearer ${this.token}`,
          "idempotency-key": batch.key,
        },
        body: batch.body,
        signal: AbortSignal.timeout(this.requestTimeoutMs),
      });
      // The body is not needed, but reading it lets the connection be reused.
      await response.arrayBuffer().catch(() => undefined);
      if (response.ok) {
        this.lastError = null;
        return "delivered";
      }
      this.lastError = `POST /api/v1/mismatches answered ${response.status}`;
      if (response.status >= 500 || RETRYABLE_STATUS.has(response.status)) {
        return { retryAfterMs: retryAfterMs(response.headers.get("retry-after"), this.backoffMaxMs) };
      }
      return "rejected";
    } catch (error) {
      this.lastError = `POST /api/v1/mismatches failed: ${errorMessage(error)}`;
      return {};
    }
  }
}

function toWire(report: MismatchReport, enqueuedAt: number): MismatchWireRecord {
  const detectedAt =
    report.detectedAt === undefined
      ? new Date(enqueuedAt).toISOString()
      : typeof report.detectedAt === "string"
        ? report.detectedAt
        : report.detectedAt.toISOString();
  const wire: Omit<MismatchWireRecord, "fingerprint"> & { fingerprint?: string } = {
    origin: report.origin,
    kind: report.kind,
    table: report.table,
    primaryKey: report.primaryKey,
    userId: report.userId,
    cohort: report.cohort,
    fingerprint: report.fingerprint,
    sourceValue: report.sourceValue ?? null,
    targetValue: report.targetValue ?? null,
    detectedAt,
  };
  // The API refuses a whole batch for one bad record, so a record it would refuse is stopped here, alone, at send
  // time (not at enqueue, which must stay a slot write).
  const problem = mismatchRecordProblem(wire, enqueuedAt);
  if (problem) throw new Error(problem);
  return { ...wire, primaryKey: jsonKey(report.primaryKey), fingerprint: report.fingerprint ?? mismatchFingerprint(report) };
}

/**
 * Same problem, same fingerprint: kind, table, key and the set of differing columns (not the values). Two FNV-1a
 * lanes give 64 bits: plenty to group by, and several times cheaper than a crypto hash per record at send time.
 */
export function mismatchFingerprint(report: Pick<MismatchReport, "kind" | "table" | "primaryKey" | "columns">): string {
  const columns = report.columns ? [...report.columns].sort().join(",") : "";
  // The key's identity as Cutover computes it (without the catalog), so `42` and `{ id: 42 }` group together.
  const key = primaryKeyIdentity(canonicalPrimaryKey(report.primaryKey, null));
  const text = `${report.kind}\u0000${report.table}\u0000${key}\u0000${columns}`;
  let a = 0x811c9dc5;
  let b = 0x050c5d1f;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    a = Math.imul(a ^ c, 0x01000193);
    b = Math.imul(b ^ c, 0x01000193) ^ (a >>> 13);
  }
  return (a >>> 0).toString(16).padStart(8, "0") + (b >>> 0).toString(16).padStart(8, "0");
}

/** postgres.js can hand back bigint (int8 with a custom type); JSON.stringify would throw on it. */
function jsonSafe(_key: string, value: unknown): unknown {
  return typeof value === "bigint" ? value.toString() : value;
}

function retryAfterMs(header: string | null, capMs: number): number | undefined {
  if (!header) return undefined;
  const seconds = Number(header);
  if (Number.isFinite(seconds) && seconds >= 0) return Math.min(seconds * 1000, capMs);
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.min(Math.max(0, at - Date.now()), capMs);
}

export function errorMessage(error: unknown): string {
  if (error instanceof Error) {
    const cause = (error as Error & { cause?: unknown }).cause;
    return cause instanceof Error ? `${error.message} (${cause.message})` : error.message;
  }
  return String(error);
}

/** A key as JSON can carry it: bigint values (int8 from some drivers) as their decimal text. */
function jsonKey(key: PrimaryKeyInput): PrimaryKeyInput {
  const scalar = (value: KeyScalar) => (typeof value === "bigint" ? value.toString() : value);
  if (typeof key !== "object") return scalar(key);
  const out: Record<string, KeyScalar> = {};
  for (const name of Object.keys(key)) out[name] = scalar(key[name]);
  return out;
}
