import { LATENCY_BUCKETS, latencyBucket, type LatencyReport, type LatencySide } from "../../app/latency/histogram";

export interface LatencyRecorderOptions {
  /** Distinct (cohort, table, operation) series held; beyond it new series are not timed, and counted as dropped. */
  maxSeries?: number;
  /** Finished minutes held while the control plane is slow or down; beyond it the oldest are dropped and counted. */
  maxPendingWindows?: number;
}

export interface LatencyRecorderStats {
  /** Side histograms waiting to be reported. */
  pending: number;
  /** Timings not recorded because the series limit was reached. */
  droppedTimings: number;
  /** Finished minutes dropped because the backlog was full. */
  droppedWindows: number;
}

const WINDOW_MS = 60_000;

/** One side's counts for the current minute: typed arrays, so recording is a few additions. */
class SideCounts {
  readonly buckets = new Float64Array(LATENCY_BUCKETS);
  count = 0;
  errors = 0;
  sumMs = 0;

  add(ms: number, failed: boolean) {
    this.buckets[latencyBucket(ms)]++;
    this.count++;
    if (failed) this.errors++;
    this.sumMs += ms;
  }

  reset() {
    this.buckets.fill(0);
    this.count = 0;
    this.errors = 0;
    this.sumMs = 0;
  }
}

class Series {
  windowStart = 0;
  readonly source = new SideCounts();
  readonly target = new SideCounts();
  constructor(
    readonly cohort: string | null,
    readonly table: string,
    readonly operation: string,
  ) {}

  isEmpty() {
    return this.source.count === 0 && this.target.count === 0;
  }
}

/**
 * Per cohort, table and operation, a fixed-bucket histogram of each side's call times for the current minute.
 * Recording a timing looks the series up in nested maps (no key string is built) and adds to typed arrays, so a
 * timed call allocates nothing; a new series, and a series' first timing in a new minute, allocate once. The
 * reporter takes the histograms with its comparison counts (the same batch, Idempotency-Key and retries).
 */
export class LatencyRecorder {
  private readonly series = new Map<string, Map<string, Map<string, Series>>>();
  private seriesCount = 0;
  /** Finished minutes, serialised, waiting for the reporter. */
  private finished: string[] = [];
  private readonly maxSeries: number;
  private readonly maxPendingWindows: number;
  private droppedTimings = 0;
  private droppedWindows = 0;

  constructor(options: LatencyRecorderOptions = {}) {
    this.maxSeries = options.maxSeries ?? 2_000;
    this.maxPendingWindows = options.maxPendingWindows ?? 20_000;
  }

  /** Records one call's duration (ms) on one side; `atMs` is the epoch time it ended. */
  record(cohort: string | null, table: string, operation: string, side: LatencySide, ms: number, failed: boolean, atMs: number): void {
    const series = this.seriesFor(cohort ?? "", table, operation);
    if (!series) {
      this.droppedTimings++;
      return;
    }
    const windowStart = atMs - (atMs % WINDOW_MS);
    if (series.windowStart !== windowStart) {
      if (!series.isEmpty()) this.finish(series);
      series.windowStart = windowStart;
    }
    (side === "source" ? series.source : series.target).add(ms < 0 ? 0 : ms, failed);
  }

  /** Side histograms waiting (finished minutes and the current ones holding timings). */
  pending(): number {
    let current = 0;
    for (const tables of this.series.values())
      for (const operations of tables.values()) for (const s of operations.values()) current += (s.source.count > 0 ? 1 : 0) + (s.target.count > 0 ? 1 : 0);
    return this.finished.length + current;
  }

  /**
   * Up to `max` side histograms as JSON entries of POST /api/v1/mismatches' `latencies`, oldest minutes first;
   * what is taken is reset (the store adds reports up, so a minute may arrive in several parts).
   */
  take(max: number): string[] {
    const out = this.finished.length <= max ? this.finished : this.finished.slice(0, max);
    this.finished = this.finished.length <= max ? [] : this.finished.slice(max);
    if (out.length >= max) return out;
    for (const tables of this.series.values()) {
      for (const operations of tables.values()) {
        for (const s of operations.values()) {
          if (s.isEmpty()) continue;
          if (out.length + 2 > max) return out;
          this.serialize(s, out);
        }
      }
    }
    return out;
  }

  stats(): LatencyRecorderStats {
    return { pending: this.pending(), droppedTimings: this.droppedTimings, droppedWindows: this.droppedWindows };
  }

  private seriesFor(cohort: string, table: string, operation: string): Series | null {
    let tables = this.series.get(cohort);
    let operations = tables?.get(table);
    const found = operations?.get(operation);
    if (found) return found;
    if (this.seriesCount >= this.maxSeries) return null;
    if (!tables) this.series.set(cohort, (tables = new Map()));
    if (!operations) tables.set(table, (operations = new Map()));
    const created = new Series(cohort === "" ? null : cohort, table, operation);
    operations.set(operation, created);
    this.seriesCount++;
    return created;
  }

  private finish(series: Series) {
    this.serialize(series, this.finished);
    const over = this.finished.length - this.maxPendingWindows;
    if (over > 0) {
      // The oldest minutes go first: the newest say most about the rollout's next step.
      this.finished.splice(0, over);
      this.droppedWindows += over;
    }
  }

  /** Appends the series' non-empty sides as report entries and resets them. */
  private serialize(series: Series, out: string[]) {
    const windowStart = new Date(series.windowStart).toISOString();
    for (const side of ["source", "target"] as const) {
      const counts = series[side];
      if (counts.count === 0) continue;
      const report: LatencyReport = {
        cohort: series.cohort,
        table: series.table,
        operation: series.operation,
        side,
        windowStart,
        count: counts.count,
        errors: counts.errors,
        // Three decimals (a microsecond) keep the body short; the buckets carry the distribution.
        sumMs: Math.round(counts.sumMs * 1000) / 1000,
        buckets: Array.from(counts.buckets),
      };
      out.push(JSON.stringify(report));
      counts.reset();
    }
  }
}
