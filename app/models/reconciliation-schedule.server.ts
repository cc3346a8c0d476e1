import { and, eq } from "drizzle-orm";
import { reconciliationSchedules } from "../../db/schema";
import { recordAudit, SYSTEM_ACTOR, type Actor } from "./audit.server";
import { createReconciliationJob } from "./reconciliation.server";
import { guardReconciliationTable } from "./schema-guard.server";
import { controlDb, controlSql } from "~/utils/db.server";

export type ReconciliationSchedule = typeof reconciliationSchedules.$inferSelect;

export async function listSchedules(): Promise<ReconciliationSchedule[]> {
  return controlDb().select().from(reconciliationSchedules).orderBy(reconciliationSchedules.schemaName, reconciliationSchedules.tableName);
}

/** Creates or changes a table's sweep interval (audited with the previous one). */
export async function saveSchedule(input: { schemaName: string; tableName: string; everyHours: number }, actor: Actor, reason: string) {
  await controlDb().transaction(async (tx) => {
    const where = and(eq(reconciliationSchedules.schemaName, input.schemaName), eq(reconciliationSchedules.tableName, input.tableName));
    const [before] = await tx.select().from(reconciliationSchedules).where(where).for("update");
    await tx
      .insert(reconciliationSchedules)
      .values({ ...input, enabled: true, createdBy: actor.label })
      .onConflictDoUpdate({
        target: [reconciliationSchedules.schemaName, reconciliationSchedules.tableName],
        set: { everyHours: input.everyHours, enabled: true },
      });
    await recordAudit(
      actor,
      {
        action: "reconciliation.schedule",
        entityType: "reconciliation_schedule",
        entityId: `${input.schemaName}.${input.tableName}`,
        before: before ? { everyHours: before.everyHours, enabled: before.enabled } : null,
        after: { everyHours: input.everyHours, enabled: true },
        reason,
      },
      tx,
    );
  });
}

export async function deleteSchedule(input: { schemaName: string; tableName: string }, actor: Actor, reason: string): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    const [before] = await tx
      .delete(reconciliationSchedules)
      .where(and(eq(reconciliationSchedules.schemaName, input.schemaName), eq(reconciliationSchedules.tableName, input.tableName)))
      .returning();
    if (!before) return false;
    await recordAudit(
      actor,
      {
        action: "reconciliation.unschedule",
        entityType: "reconciliation_schedule",
        entityId: `${input.schemaName}.${input.tableName}`,
        before: { everyHours: before.everyHours },
        reason,
      },
      tx,
    );
    return true;
  });
}

/**
 * Creates a verify job for every due schedule and returns their ids. The claim is one UPDATE: a worker running
 * the same sweep concurrently waits on the row lock, re-reads `last_queued_at` and finds it no longer due, so
 * each due schedule yields exactly one job however many workers sweep.
 */
export async function queueDueSchedules(): Promise<string[]> {
  const due = await controlSql()<{ schema_name: string; table_name: string; every_hours: number }[]>`
    update reconciliation_schedules set last_queued_at = now()
    where enabled and (last_queued_at is null or last_queued_at <= now() - every_hours * interval '1 hour')
    returning schema_name, table_name, every_hours`;
  const ids: string[] = [];
  for (const s of due) {
    // a schedule saved before the guard (or written another way) queues nothing: its refusal is audited instead
    const guard = await guardReconciliationTable({ schemaName: s.schema_name, tableName: s.table_name });
    if (!guard.ok) {
      await recordAudit(SYSTEM_ACTOR, {
        action: "reconciliation.schedule_refused",
        entityType: "reconciliation_schedule",
        entityId: `${s.schema_name}.${s.table_name}`,
        reason: guard.message,
      });
      continue;
    }
    ids.push(
      await createReconciliationJob(
        { schemaName: s.schema_name, tableName: s.table_name, scope: { kind: "table" }, mode: "verify", reason: `scheduled sweep every ${s.every_hours} h` },
        SYSTEM_ACTOR,
      ),
    );
  }
  return ids;
}
