import { sql } from "drizzle-orm";
import { gateStates } from "../../db/schema";
import type { GateResult } from "~/gates/types";
import { notify } from "./notification.server";
import { controlDb } from "~/utils/db.server";

/**
 * Keeps each cohort's latest gate results (from a person's advance or a scheduled ramp step) for /metrics, and
 * notifies when an advance is blocked: once per cohort and set of closed gates per hour, since a ramp re-checks
 * a closed gate at every pass. Never throws: recording must not change the advance's own answer.
 */
export async function recordGateResults(cohort: { id: string; name: string }, toBasisPoints: number, results: GateResult[]) {
  try {
    if (results.length) {
      await controlDb()
        .insert(gateStates)
        .values(results.map((r) => ({ cohortId: cohort.id, gate: r.gate, passed: r.passed, reason: r.reason.slice(0, 1000) })))
        .onConflictDoUpdate({
          target: [gateStates.cohortId, gateStates.gate],
          set: { passed: sql`excluded.passed`, reason: sql`excluded.reason`, at: sql`now()` },
        });
    }
  } catch (error) {
    process.stderr.write(`gate states not recorded: ${error instanceof Error ? error.message : String(error)}\n`);
  }
  const failed = results.filter((r) => !r.passed);
  if (failed.length === 0) return;
  await notify({
    type: "gate.blocked",
    severity: "warning",
    summary: `${cohort.name}: advance to ${toBasisPoints / 100}% blocked by ${failed.map((f) => `${f.label} (${f.reason})`).join("; ")}`,
    detail: { cohortId: cohort.id, cohort: cohort.name, toBasisPoints, gates: failed.map((f) => ({ gate: f.gate, label: f.label, reason: f.reason })) },
    dedupeKey: `gate.blocked:${cohort.id}:${failed
      .map((f) => f.gate)
      .sort()
      .join(",")}`,
  });
}
