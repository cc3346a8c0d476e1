import type postgres from "postgres";

/**
 * The simulator's own reads and writes of the control DB, in raw postgres.js: the simulator runs outside Remix
 * (scripts/demo-traffic.ts) with its own connection. Tables: db/schema/simulator.ts.
 */

export const SIMULATOR_ID = "demo";
/** A few dozen operations a second: enough to keep every chart moving, a few percent of one core. */
export const DEFAULT_OPERATIONS_PER_SECOND = 20;
export const MAX_OPERATIONS_PER_SECOND = 200;

export interface SimulatorSwitch {
  status: "running" | "paused";
  operationsPerSecond: number;
}

export interface SimulatorCounts {
  writes: number;
  mirroredWrites: number;
  reads: number;
  comparisons: number;
  mismatchesFound: number;
  divergencesInjected: number;
  errors: number;
}

export const ZERO_COUNTS: SimulatorCounts = {
  writes: 0,
  mirroredWrites: 0,
  reads: 0,
  comparisons: 0,
  mismatchesFound: 0,
  divergencesInjected: 0,
  errors: 0,
};

/** The switch row; running at the default rate when nobody has touched it yet. */
export async function readSimulatorSwitch(control: postgres.Sql): Promise<SimulatorSwitch> {
  const [row] = await control<{ status: string; operations_per_second: number }[]>`
    select status, operations_per_second from simulator_state where id = ${SIMULATOR_ID}`;
  if (!row) return { status: "running", operationsPerSecond: DEFAULT_OPERATIONS_PER_SECOND };
  return {
    status: row.status === "paused" ? "paused" : "running",
    operationsPerSecond: Math.min(Math.max(row.operations_per_second, 0), MAX_OPERATIONS_PER_SECOND),
  };
}

/** Adds counts to a minute's row; several simulator processes may add to the same minute. */
export async function addSimulatorCounts(control: postgres.Sql, minute: Date, counts: SimulatorCounts): Promise<void> {
  await control`
    insert into simulator_minutes (minute, writes, mirrored_writes, reads, comparisons, mismatches_found, divergences_injected, errors)
    values (${minute}, ${counts.writes}, ${counts.mirroredWrites}, ${counts.reads}, ${counts.comparisons},
            ${counts.mismatchesFound}, ${counts.divergencesInjected}, ${counts.errors})
    on conflict (minute) do update set
      writes = simulator_minutes.writes + excluded.writes,
      mirrored_writes = simulator_minutes.mirrored_writes + excluded.mirrored_writes,
      reads = simulator_minutes.reads + excluded.reads,
      comparisons = simulator_minutes.comparisons + excluded.comparisons,
      mismatches_found = simulator_minutes.mismatches_found + excluded.mismatches_found,
      divergences_injected = simulator_minutes.divergences_injected + excluded.divergences_injected,
      errors = simulator_minutes.errors + excluded.errors`;
}

/** Counters older than a day are of no use to the Overview (which shows the last hour). */
export async function pruneSimulatorMinutes(control: postgres.Sql, now: Date): Promise<void> {
  await control`delete from simulator_minutes where minute < ${new Date(now.getTime() - 86_400_000)}`;
}

export function startOfMinute(date: Date): Date {
  return new Date(Math.floor(date.getTime() / 60_000) * 60_000);
}
