import { compileRuleset, evaluate, type CompiledRuleset } from "../../app/rollout/evaluate";
import { modePaths, type Mode } from "../../app/rollout/modes";
import type { Assignment, Ruleset, UserAttributes } from "../../app/rollout/types";
import type { NormalizationRule, PrimaryKeyInput } from "../../app/normalization";
import { MismatchReporter, errorMessage, type MismatchReporterOptions } from "./mismatch-reporter";
import { NormalizationRulesPoller } from "./normalization-rules-poller";
import { RulesetPoller, type RulesetOrigin } from "./ruleset-poller";
import { compareReadResults, type CompareSpec } from "./shadow-comparison";
import { LatencyRecorder, type LatencyRecorderOptions } from "./latency-histogram";
import { DEFAULT_TARGET_WRITE_RETRY, withTargetWriteRetry, type TargetWriteRetry } from "./target-write-retry";

export interface CutoverClientOptions {
  /** Base URL of the Cutover control plane. */
  url: string;
  /** API token with the ruleset and mismatch scopes. */
  token: string;
  /** How often to ask for a newer ruleset (If-None-Match: an unchanged ruleset costs a 304). Default 5000. */
  pollIntervalMs?: number;
  /** Keep the last good ruleset here, so a restart during a control-plane outage keeps everyone's mode. */
  rulesetFile?: string;
  /** The mode everyone gets before any ruleset is known. Default source_only, the one mode that is always safe. */
  safeDefaultMode?: Mode;
  /** After this long without reaching the control plane, status().stale is true. Default 3 poll intervals. */
  staleAfterMs?: number;
  requestTimeoutMs?: number;
  /** Share of eligible reads that are shadow-read and compared (0..1): a default and per-cohort overrides. */
  sampling?: { rate?: number; cohorts?: Record<string, number> };
  /** Normalization rules applied to comparisons until the control plane's active rules are served (then those). */
  normalizationRules?: readonly NormalizationRule[];
  /** Retries of a target write that failed with a retryable error (SQLSTATE 40001), before it counts as failed. */
  targetWriteRetry?: TargetWriteRetry;
  /** Reporter tuning (queue size, batch size, backoff). */
  reporter?: Omit<MismatchReporterOptions, "url" | "token">;
  /** Told about a shadow read or comparison that failed: never the user's request, so never thrown. */
  onShadowError?: (error: unknown, context: { userId: string; table: string; side: "source" | "target" | "compare" }) => void;
  /**
   * Timing of every mirrored write and shadow read on each side, reported with the comparison counts (default on);
   * false turns it off.
   */
  latency?: false | LatencyRecorderOptions;
  /** Injected in tests to make sampling deterministic. */
  random?: () => number;
}

export interface CutoverClientStatus {
  /** 0 while on the safe default. */
  rulesetVersion: number;
  origin: RulesetOrigin;
  /** True when the control plane has not been reached for staleAfterMs (or never). */
  stale: boolean;
  lastSuccessAt: Date | null;
  lastAttemptAt: Date | null;
  lastError: string | null;
  consecutiveFailures: number;
}

export interface WriteOptions {
  attributes?: UserAttributes;
  /** Named in a write_error mismatch so the control plane knows what to repair. */
  table?: string;
  /** The row's key: a bare value for a one-column key (`42`), or its columns (`{ school_id: 7, id: 42 }`). */
  primaryKey?: PrimaryKeyInput;
  /** The value written, recorded on the successful side of a write_error mismatch. */
  value?: unknown;
  /** The operation's name for latency per operation ("insert annotation"); default "write". */
  operation?: string;
}

export interface ReadOptions {
  attributes?: UserAttributes;
  /** What and how to compare; false turns the shadow read off for this call. Default { table: "unknown" }. */
  compare?: CompareSpec | false;
  /** The operation's name for latency per operation ("select by document"); default "read". */
  operation?: string;
}

type DatabaseCall<R> = () => Promise<R> | R;

export interface MigrationCounters {
  writes: number;
  secondaryWriteErrors: number;
  /** Target writes run again after a retryable error (40001). */
  targetWriteRetries: number;
  reads: number;
  shadowReads: number;
  shadowReadErrors: number;
  comparisons: number;
  mismatchesFound: number;
}

export interface CutoverClient {
  /** The user's assignment from the local ruleset: no network, no await. */
  assignment(userId: string, attributes?: UserAttributes): Assignment;
  /** Runs the write on the databases the user's mode writes to, primary first. */
  write<R>(userId: string, calls: { source: DatabaseCall<R>; target: DatabaseCall<R> }, options?: WriteOptions): Promise<R>;
  /** Serves the read from the user's primary; in shadow_read/target_primary also reads the other side and compares. */
  read<R>(userId: string, calls: { source: DatabaseCall<R>; target: DatabaseCall<R> }, options?: ReadOptions): Promise<R>;
  status(): CutoverClientStatus;
  counters(): Readonly<MigrationCounters>;
  /** Resolves after the first poll has finished (successfully or not). */
  ready(): Promise<void>;
  /** Polls now; true when the control plane answered. */
  refresh(): Promise<boolean>;
  /** Called after every ruleset swap; returns an unsubscribe function. */
  onRulesetChange(listener: (ruleset: Ruleset) => void): () => void;
  readonly reporter: MismatchReporter;
  /** The latency histograms (null when timing is off). */
  readonly latency: LatencyRecorder | null;
  /** Stops polling and delivers what the reporter holds (within timeoutMs). Timers never keep the process alive. */
  close(timeoutMs?: number): Promise<void>;
}

export function createCutoverClient(options: CutoverClientOptions): CutoverClient {
  return new Client(options);
}

class Client implements CutoverClient {
  readonly reporter: MismatchReporter;
  readonly latency: LatencyRecorder | null;
  private compiled: CompiledRuleset;
  private readonly poller: RulesetPoller;
  private readonly firstPoll: Promise<boolean>;
  private readonly listeners = new Set<(ruleset: Ruleset) => void>();
  private readonly staleAfterMs: number;
  private readonly random: () => number;
  private readonly defaultRate: number;
  private readonly cohortRates: Map<string, number>;
  private normalizationRules: readonly NormalizationRule[];
  private readonly rulesPoller: NormalizationRulesPoller;
  private readonly targetWriteRetry: Required<TargetWriteRetry>;
  private readonly onShadowError: CutoverClientOptions["onShadowError"];
  private readonly count: MigrationCounters = {
    writes: 0,
    secondaryWriteErrors: 0,
    targetWriteRetries: 0,
    reads: 0,
    shadowReads: 0,
    shadowReadErrors: 0,
    comparisons: 0,
    mismatchesFound: 0,
  };

  constructor(options: CutoverClientOptions) {
    const pollIntervalMs = options.pollIntervalMs ?? 5_000;
    this.staleAfterMs = options.staleAfterMs ?? pollIntervalMs * 3;
    this.random = options.random ?? Math.random;
    this.defaultRate = clampRate(options.sampling?.rate ?? 1);
    this.cohortRates = new Map(Object.entries(options.sampling?.cohorts ?? {}).map(([k, v]) => [k, clampRate(v)]));
    this.normalizationRules = options.normalizationRules ?? [];
    this.targetWriteRetry = { ...DEFAULT_TARGET_WRITE_RETRY, ...options.targetWriteRetry };
    this.onShadowError = options.onShadowError;
    this.compiled = compileRuleset({
      version: 0,
      defaultMode: options.safeDefaultMode ?? "source_only",
      emergency: null,
      cohorts: [],
      pins: [],
    });
    this.reporter = new MismatchReporter({ url: options.url, token: options.token, ...options.reporter });
    this.latency = options.latency === false ? null : new LatencyRecorder(options.latency);
    this.reporter.latencies = this.latency;
    this.poller = new RulesetPoller({
      url: options.url,
      token: options.token,
      pollIntervalMs,
      rulesetFile: options.rulesetFile,
      requestTimeoutMs: options.requestTimeoutMs,
      onRuleset: (ruleset) => this.swap(ruleset),
    });
    // the rules ingestion and reconciliation apply replace the configured ones as soon as they are served
    this.rulesPoller = new NormalizationRulesPoller({
      url: options.url,
      token: options.token,
      pollIntervalMs,
      requestTimeoutMs: options.requestTimeoutMs,
      onRules: (rules) => (this.normalizationRules = rules),
    });
    void this.rulesPoller.poll().finally(() => this.rulesPoller.start());
    this.poller.loadPersisted();
    this.firstPoll = this.poller.poll();
    void this.firstPoll.finally(() => this.poller.start());
  }

  assignment(userId: string, attributes?: UserAttributes): Assignment {
    return evaluate(this.compiled, userId, attributes);
  }

  async write<R>(userId: string, calls: { source: DatabaseCall<R>; target: DatabaseCall<R> }, options: WriteOptions = {}): Promise<R> {
    const assignment = this.assignment(userId, options.attributes);
    const [primary, secondary] = modePaths(assignment.mode).writes;
    this.count.writes++;
    // Only mirrored writes are timed: they are what compares the two databases.
    const latency = secondary ? this.latency : null;
    const cohort = assignment.cohort?.id ?? null;
    const table = options.table ?? "unknown";
    const operation = options.operation ?? "write";
    let started = latency ? performance.now() : 0;
    // The primary's failure is the user's failure; the secondary is not written then (nothing to mirror).
    let result: R;
    try {
      result = await this.run(primary, calls[primary]);
    } catch (error) {
      if (latency) this.timed(latency, cohort, table, operation, primary, started, true);
      throw error;
    }
    if (secondary) {
      if (latency) started = this.timed(latency, cohort, table, operation, primary, started, false);
      try {
        await this.run(secondary, calls[secondary]);
        if (latency) this.timed(latency, cohort, table, operation, secondary, started, false);
      } catch (error) {
        if (latency) this.timed(latency, cohort, table, operation, secondary, started, true);
        this.count.secondaryWriteErrors++;
        const failed = { error: errorMessage(error), code: (error as { code?: unknown })?.code ?? null };
        this.reporter.enqueue({
          origin: "dual_write_error",
          kind: "write_error",
          table,
          primaryKey: options.primaryKey ?? "unknown",
          userId,
          cohort,
          sourceValue: secondary === "source" ? failed : (options.value ?? null),
          targetValue: secondary === "target" ? failed : (options.value ?? null),
        });
      }
    }
    return result;
  }

  read<R>(userId: string, calls: { source: DatabaseCall<R>; target: DatabaseCall<R> }, options: ReadOptions = {}): Promise<R> {
    const assignment = this.assignment(userId, options.attributes);
    const paths = modePaths(assignment.mode);
    this.count.reads++;
    const spec = options.compare;
    if (!paths.compares || spec === false || !this.sampled(assignment, spec?.sampleRate)) {
      return invoke(calls[paths.serves]);
    }
    const shadowSide = paths.serves === "source" ? "target" : "source";
    const latency = this.latency;
    const started = latency ? performance.now() : 0;
    // Both calls start before either is awaited: the user waits for the primary only, never for the sum.
    const primary = invoke(calls[paths.serves]);
    const shadow = invoke(calls[shadowSide]);
    this.count.shadowReads++;
    const compareSpec = spec ?? { table: "unknown" };
    // Each side's end is noted as it settles; the histograms are filled once both have.
    let primaryEnd = 0;
    let shadowEnd = 0;
    const watched = latency
      ? [primary.finally(() => (primaryEnd = performance.now())), shadow.finally(() => (shadowEnd = performance.now()))]
      : [primary, shadow];
    void Promise.allSettled(watched).then(([p, s]) => {
      if (latency) {
        const cohort = assignment.cohort?.id ?? null;
        const operation = options.operation ?? "read";
        this.timed(latency, cohort, compareSpec.table, operation, paths.serves, started, p.status === "rejected", primaryEnd);
        this.timed(latency, cohort, compareSpec.table, operation, shadowSide, started, s.status === "rejected", shadowEnd);
      }
      if (p.status === "rejected") return;
      if (s.status === "rejected") {
        this.count.shadowReadErrors++;
        this.onShadowError?.(s.reason, { userId, table: compareSpec.table, side: shadowSide });
        return;
      }
      // Off the request path: the primary's answer has already gone back to the caller.
      setImmediate(() =>
        this.compare(userId, assignment, compareSpec, paths.serves === "source" ? [p.value as R, s.value as R] : [s.value as R, p.value as R]),
      );
    });
    return primary;
  }

  status(): CutoverClientStatus {
    const state = this.poller.state;
    return {
      rulesetVersion: this.compiled.version,
      origin: state.origin,
      stale: state.lastSuccessAt === null || Date.now() - state.lastSuccessAt.getTime() > this.staleAfterMs,
      lastSuccessAt: state.lastSuccessAt,
      lastAttemptAt: state.lastAttemptAt,
      lastError: state.lastError,
      consecutiveFailures: state.consecutiveFailures,
    };
  }

  counters(): Readonly<MigrationCounters> {
    return { ...this.count };
  }

  async ready(): Promise<void> {
    await this.firstPoll;
  }

  refresh(): Promise<boolean> {
    return this.poller.poll();
  }

  onRulesetChange(listener: (ruleset: Ruleset) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async close(timeoutMs = 5_000): Promise<void> {
    this.poller.close();
    this.rulesPoller.close();
    await Promise.all([this.reporter.close(timeoutMs), this.poller.persisted()]);
  }

  /** Records one side's call from `started` to `end` (default now); returns the end, where a following call starts. */
  private timed(
    latency: LatencyRecorder,
    cohort: string | null,
    table: string,
    operation: string,
    side: "source" | "target",
    started: number,
    failed: boolean,
    end = performance.now(),
  ): number {
    latency.record(cohort, table, operation, side, end - started, failed, TIME_ORIGIN + end);
    return end;
  }

  /** A target write is retried on a retryable error (CockroachDB's 40001); a source write runs once, as before. */
  private run<R>(side: "source" | "target", call: DatabaseCall<R>): Promise<R> {
    if (side === "source") return Promise.resolve(call());
    return withTargetWriteRetry(call, this.targetWriteRetry, () => this.count.targetWriteRetries++);
  }

  private swap(ruleset: Ruleset): void {
    // Compiled off to the side and swapped in one assignment: an evaluation sees the old or the new, never a mix.
    this.compiled = compileRuleset(ruleset);
    for (const listener of this.listeners) {
      try {
        listener(ruleset);
      } catch {
        // A listener's bug must not stop the ruleset from being applied or other listeners from hearing of it.
      }
    }
  }

  private sampled(assignment: Assignment, override: number | undefined): boolean {
    const rate =
      override !== undefined
        ? override
        : assignment.cohort
          ? (this.cohortRates.get(assignment.cohort.id) ?? this.cohortRates.get(assignment.cohort.name) ?? this.defaultRate)
          : this.defaultRate;
    return rate >= 1 || (rate > 0 && this.random() < rate);
  }

  private compare(userId: string, assignment: Assignment, spec: CompareSpec, [source, target]: [unknown, unknown]): void {
    const cohort = assignment.cohort?.id ?? null;
    try {
      const rules = spec.rules ? [...this.normalizationRules, ...spec.rules] : this.normalizationRules;
      const { mismatches } = compareReadResults(source, target, spec, { userId, cohort, rules });
      this.count.comparisons++;
      this.count.mismatchesFound += mismatches.length;
      this.reporter.recordComparison(cohort, spec.table, mismatches.length > 0);
      for (const mismatch of mismatches) this.reporter.enqueue(mismatch);
    } catch (error) {
      this.onShadowError?.(error, { userId, table: spec.table, side: "compare" });
    }
  }
}

// Read once: performance.timeOrigin is a getter that calls into the runtime on every read.
const TIME_ORIGIN = performance.timeOrigin;

/** Calls a caller-supplied database function now, turning a synchronous throw into a rejection. */
function invoke<R>(call: DatabaseCall<R>): Promise<R> {
  try {
    return Promise.resolve(call());
  } catch (error) {
    return Promise.reject(error);
  }
}

function clampRate(rate: number): number {
  return Number.isFinite(rate) ? Math.min(1, Math.max(0, rate)) : 1;
}
