import type postgres from "postgres";
import { RecentDocuments, pickOperation, type MigrationClient, type OperationContext, type SimulatedUser } from "./demo-operations.server";
import {
  ZERO_COUNTS,
  addSimulatorCounts,
  pruneSimulatorMinutes,
  readSimulatorSwitch,
  startOfMinute,
  type SimulatorCounts,
  type SimulatorSwitch,
} from "./simulator-store";

/**
 * The demo traffic simulator: simulated users of the demo application writing and reading at a steady, bounded
 * rate, each operation routed through the application-side Cutover client (so mirrored writes, shadow reads and
 * mismatch reports take the real path). The rate and the pause switch come from the control DB, polled every
 * few seconds; per-minute counters go back to it for the Overview.
 */

export interface TrafficSimulatorOptions {
  /** Read-write connections to the demo application's databases: the simulator plays the application. */
  source: postgres.Sql;
  target: postgres.Sql;
  /** Control DB: simulator_state and simulator_minutes. */
  control: postgres.Sql;
  client: MigrationClient;
  random?: () => number;
  /** Operations in flight at most; beyond it the tick's operations are skipped, never queued. Default 4. */
  maxConcurrency?: number;
  /** Chance that a mirrored write reaches one side only. Default 1 in 5,000. */
  divergenceRate?: number;
  tickMs?: number;
  stateRefreshMs?: number;
  flushIntervalMs?: number;
  /** Told about failed operations and bookkeeping (never thrown: the simulator keeps going). */
  onError?: (error: unknown) => void;
}

export interface TrafficSimulatorStats extends SimulatorCounts {
  status: SimulatorSwitch["status"];
  operationsPerSecond: number;
  inFlight: number;
  /** Times the switch row was read: lets a caller wait for a pause to be seen. */
  stateRefreshes: number;
  lastError: string | null;
}

export interface TrafficSimulator {
  stats(): TrafficSimulatorStats;
  /** Stops scheduling, awaits the operations in flight, writes the last counters. */
  stop(): Promise<void>;
}

export async function startTrafficSimulator(options: TrafficSimulatorOptions): Promise<TrafficSimulator> {
  const random = options.random ?? Math.random;
  const maxConcurrency = options.maxConcurrency ?? 4;
  const tickMs = options.tickMs ?? 100;
  const users = await loadSimulatedUsers(options.source);
  if (users.length === 0) throw new Error("the demo source has no active users to simulate");
  let state = await readSimulatorSwitch(options.control);
  let stateRefreshes = 1;

  const totals: SimulatorCounts = { ...ZERO_COUNTS };
  let flushed: SimulatorCounts = { ...ZERO_COUNTS };
  let clientBase = options.client.counters();
  let lastError: string | null = null;
  const inFlight = new Set<Promise<void>>();
  const ctx: OperationContext = {
    source: options.source,
    target: options.target,
    client: options.client,
    random,
    divergenceRate: options.divergenceRate ?? 1 / 5_000,
    recent: new RecentDocuments(),
    writing: new Map(),
  };

  const fail = (error: unknown) => {
    lastError = error instanceof Error ? error.message : String(error);
    options.onError?.(error);
  };

  const launch = () => {
    const user = users[Math.floor(random() * users.length)];
    const operation = pickOperation(random)(ctx, user).then(
      (outcome) => {
        if (outcome.kind === "write") totals.writes++;
        else totals.reads++;
        if (outcome.mirrored) totals.mirroredWrites++;
        if (outcome.divergenceInjected) totals.divergencesInjected++;
      },
      (error) => {
        totals.errors++;
        fail(error);
      },
    );
    const tracked = operation.finally(() => inFlight.delete(tracked));
    inFlight.add(tracked);
  };

  // A token bucket refilled every tick: a steady rate with no backlog when the databases are slow.
  let allowance = 0;
  let lastTick = performance.now();
  let stopped = false;
  const ticker = setInterval(() => {
    const now = performance.now();
    const elapsed = (now - lastTick) / 1000;
    lastTick = now;
    if (stopped || state.status === "paused") {
      allowance = 0;
      return;
    }
    allowance = Math.min(allowance + state.operationsPerSecond * elapsed, Math.max(1, state.operationsPerSecond));
    while (allowance >= 1 && inFlight.size < maxConcurrency) {
      allowance--;
      launch();
    }
    if (inFlight.size >= maxConcurrency) allowance = Math.min(allowance, 1);
  }, tickMs);

  let refreshing: Promise<void> = Promise.resolve();
  const refresher = setInterval(() => {
    refreshing = readSimulatorSwitch(options.control).then((next) => {
      state = next;
      stateRefreshes++;
    }, fail);
  }, options.stateRefreshMs ?? 2_000);

  let lastMinute = startOfMinute(new Date()).getTime();
  // The client counts comparisons and mismatches itself (asynchronously, after the read returned).
  const takeClientCounters = () => {
    const client = options.client.counters();
    totals.comparisons += client.comparisons - clientBase.comparisons;
    totals.mismatchesFound += client.mismatchesFound - clientBase.mismatchesFound;
    totals.errors += client.secondaryWriteErrors - clientBase.secondaryWriteErrors + (client.shadowReadErrors - clientBase.shadowReadErrors);
    clientBase = client;
  };
  const flush = async () => {
    takeClientCounters();
    const snapshot = { ...totals };
    const delta = subtract(snapshot, flushed);
    const now = new Date();
    if (Object.values(delta).some((n) => n !== 0)) {
      await addSimulatorCounts(options.control, startOfMinute(now), delta);
      flushed = snapshot;
    }
    if (startOfMinute(now).getTime() !== lastMinute) {
      lastMinute = startOfMinute(now).getTime();
      await pruneSimulatorMinutes(options.control, now);
    }
  };
  let flushing: Promise<void> = Promise.resolve();
  const flusher = setInterval(() => {
    flushing = flushing.then(flush).catch(fail);
  }, options.flushIntervalMs ?? 5_000);

  // The simulator must never be what keeps a process alive: stop() is the way out, but Ctrl-C must work too.
  ticker.unref();
  refresher.unref();
  flusher.unref();

  return {
    stats: () => {
      takeClientCounters();
      return {
        ...totals,
        status: state.status,
        operationsPerSecond: state.operationsPerSecond,
        inFlight: inFlight.size,
        stateRefreshes,
        lastError,
      };
    },
    async stop() {
      if (stopped) return;
      stopped = true;
      clearInterval(ticker);
      clearInterval(refresher);
      clearInterval(flusher);
      await Promise.allSettled([...inFlight]);
      await refreshing;
      flushing = flushing.then(flush).catch(fail);
      await flushing;
    },
  };
}

/** Active users of the demo application with the attributes the rollout's constraints look at. */
async function loadSimulatedUsers(source: postgres.Sql): Promise<SimulatedUser[]> {
  const rows = await source<{ id: string; region: string; country: string; school_id: number | null; plan: string }[]>`
    select id, region, country, school_id, plan::text as plan from users where is_active order by id`;
  return rows.map((row) => ({
    id: row.id,
    attributes: {
      region: row.region,
      country: row.country.trim(),
      plan: row.plan,
      ...(row.school_id === null ? {} : { schoolId: String(row.school_id) }),
    },
  }));
}

function subtract(a: SimulatorCounts, b: SimulatorCounts): SimulatorCounts {
  return {
    writes: a.writes - b.writes,
    mirroredWrites: a.mirroredWrites - b.mirroredWrites,
    reads: a.reads - b.reads,
    comparisons: a.comparisons - b.comparisons,
    mismatchesFound: a.mismatchesFound - b.mismatchesFound,
    divergencesInjected: a.divergencesInjected - b.divergencesInjected,
    errors: a.errors - b.errors,
  };
}
