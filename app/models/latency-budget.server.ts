import { eq } from "drizzle-orm";
import { cohortLatencyBudgets, cohorts } from "../../db/schema";
import { recordAudit, type Actor } from "./audit.server";
import { controlDb, controlSql } from "~/utils/db.server";

export interface CohortLatencyBudget {
  cohortId: string;
  cohortName: string;
  /** The target's p99 may be at most this many times the source's; null = no latency gate. */
  p99Factor: number | null;
  /** The cohort's budget window (shared with its mismatch budget). */
  windowMinutes: number;
}

/** Every cohort with its latency budget, in priority order (the Performance page). */
export async function listCohortLatencyBudgets(): Promise<CohortLatencyBudget[]> {
  const rows = await controlSql()`
    select c.id::text as cohort_id, c.name, b.p99_factor, c.budget_window_minutes
    from cohorts c left join cohort_latency_budgets b on b.cohort_id = c.id order by c.priority, c.name`;
  return rows.map((r) => ({
    cohortId: r.cohort_id,
    cohortName: r.name,
    p99Factor: r.p99_factor === null ? null : Number(r.p99_factor),
    windowMinutes: Number(r.budget_window_minutes),
  }));
}

/** One cohort's latency budget, or null when it has none (or the cohort does not exist). */
export async function cohortLatencyBudget(cohortId: string): Promise<{ p99Factor: number; windowMinutes: number } | null> {
  const [row] = await controlSql()`
    select b.p99_factor, c.budget_window_minutes from cohort_latency_budgets b join cohorts c on c.id = b.cohort_id
    where c.id::text = ${cohortId}`;
  return row ? { p99Factor: Number(row.p99_factor), windowMinutes: Number(row.budget_window_minutes) } : null;
}

/** Sets (or, with null, removes) a cohort's latency budget, audited with the reason; false when the cohort is unknown. */
export async function setCohortLatencyBudget(actor: Actor, cohortId: string, p99Factor: number | null, reason: string): Promise<boolean> {
  return controlDb().transaction(async (tx) => {
    // Locks the cohort row, so two people setting its budget at once are audited in the order they applied.
    const [cohort] = await tx.select({ id: cohorts.id }).from(cohorts).where(eq(cohorts.id, cohortId)).for("update");
    if (!cohort) return false;
    const [before] = await tx.select().from(cohortLatencyBudgets).where(eq(cohortLatencyBudgets.cohortId, cohortId));
    if (p99Factor === null) await tx.delete(cohortLatencyBudgets).where(eq(cohortLatencyBudgets.cohortId, cohortId));
    else {
      await tx
        .insert(cohortLatencyBudgets)
        .values({ cohortId, p99Factor })
        .onConflictDoUpdate({ target: cohortLatencyBudgets.cohortId, set: { p99Factor, updatedAt: new Date() } });
    }
    await recordAudit(
      actor,
      {
        action: "cohort.latency_budget",
        entityType: "cohort",
        entityId: cohortId,
        before: { p99Factor: before?.p99Factor ?? null },
        after: { p99Factor },
        reason,
      },
      tx,
    );
    return true;
  });
}
