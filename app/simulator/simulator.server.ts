import { asc, eq, gte } from "drizzle-orm";
import { z } from "zod";
import { SIMULATOR_STATUSES, simulatorMinutes, simulatorState } from "../../db/schema";
import { recordAudit, type Actor } from "~/models/audit.server";
import { controlDb } from "~/utils/db.server";
import { DEFAULT_OPERATIONS_PER_SECOND, MAX_OPERATIONS_PER_SECOND, SIMULATOR_ID, ZERO_COUNTS, startOfMinute, type SimulatorCounts } from "./simulator-store";

/**
 * The simulator as the dashboard sees it: its switch (Settings/Overview) and its per-minute counters (Overview).
 * The simulator processes themselves read and write the same tables through simulator-store.ts.
 */

export { DEFAULT_OPERATIONS_PER_SECOND, MAX_OPERATIONS_PER_SECOND };

export interface SimulatorSettings {
  status: (typeof SIMULATOR_STATUSES)[number];
  operationsPerSecond: number;
  updatedAt: Date | null;
  updatedBy: string | null;
}

/** The form a Settings/Overview toggle posts (add an `intent` field beside it if the route has several forms). */
export const simulatorSettingsSchema = z.object({
  status: z.enum(SIMULATOR_STATUSES),
  operationsPerSecond: z.coerce.number().int().min(1).max(MAX_OPERATIONS_PER_SECOND),
});
export type SimulatorSettingsInput = z.infer<typeof simulatorSettingsSchema>;

export async function getSimulatorSettings(): Promise<SimulatorSettings> {
  const [row] = await controlDb()
    .select({
      status: simulatorState.status,
      operationsPerSecond: simulatorState.operationsPerSecond,
      updatedAt: simulatorState.updatedAt,
      updatedBy: simulatorState.updatedBy,
    })
    .from(simulatorState)
    .where(eq(simulatorState.id, SIMULATOR_ID));
  return row ?? { status: "running", operationsPerSecond: DEFAULT_OPERATIONS_PER_SECOND, updatedAt: null, updatedBy: null };
}

/** Pauses/resumes the simulator or changes its rate; every simulator process sees it within a few seconds. */
export async function updateSimulatorSettings(actor: Actor, input: SimulatorSettingsInput, reason?: string | null) {
  const before = await getSimulatorSettings();
  const values = { status: input.status, operationsPerSecond: input.operationsPerSecond, updatedAt: new Date(), updatedBy: actor.label };
  await controlDb().transaction(async (tx) => {
    await tx
      .insert(simulatorState)
      .values({ id: SIMULATOR_ID, ...values })
      .onConflictDoUpdate({ target: simulatorState.id, set: values });
    await recordAudit(
      actor,
      {
        action: "simulator.update",
        entityType: "simulator",
        entityId: SIMULATOR_ID,
        before: { status: before.status, operationsPerSecond: before.operationsPerSecond },
        after: { status: input.status, operationsPerSecond: input.operationsPerSecond },
        reason: reason ?? null,
      },
      tx,
    );
  });
  return getSimulatorSettings();
}

export interface SimulatorMinute extends SimulatorCounts {
  /** ISO timestamp of the minute's start. */
  minute: string;
}

/** The last `minutes` minutes (default 60), oldest first, one entry per minute (zeros where nothing ran). */
export async function getSimulatorMinutes(options: { now?: Date; minutes?: number } = {}): Promise<SimulatorMinute[]> {
  const minutes = options.minutes ?? 60;
  const end = startOfMinute(options.now ?? new Date());
  const start = new Date(end.getTime() - (minutes - 1) * 60_000);
  const rows = await controlDb()
    .select({
      minute: simulatorMinutes.minute,
      writes: simulatorMinutes.writes,
      mirroredWrites: simulatorMinutes.mirroredWrites,
      reads: simulatorMinutes.reads,
      comparisons: simulatorMinutes.comparisons,
      mismatchesFound: simulatorMinutes.mismatchesFound,
      divergencesInjected: simulatorMinutes.divergencesInjected,
      errors: simulatorMinutes.errors,
    })
    .from(simulatorMinutes)
    .where(gte(simulatorMinutes.minute, start))
    .orderBy(asc(simulatorMinutes.minute));
  const byMinute = new Map(rows.map(({ minute, ...counts }) => [minute.getTime(), counts]));
  return Array.from({ length: minutes }, (_, i) => {
    const at = start.getTime() + i * 60_000;
    return { minute: new Date(at).toISOString(), ...(byMinute.get(at) ?? ZERO_COUNTS) };
  });
}
