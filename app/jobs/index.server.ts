import type PgBoss from "pg-boss";
import { registerBackfillJobs } from "./backfill.server";
import { registerHealthJobs } from "./health.server";
import { registerLatencyJobs } from "./latency.server";
import { registerMismatchJobs } from "./mismatches.server";
import { registerNotificationJobs } from "./notifications.server";
import { registerRampJobs } from "./ramps.server";
import { registerReconciliationJobs } from "./reconciliation.server";
import { registerSchemaParityJobs } from "./schema-parity.server";

/** A domain's jobs: creates its queues, starts its handlers and declares its cron schedules. */
export type JobRegistrar = (boss: PgBoss) => Promise<void>;

/** Every domain that runs background work registers here (one line each). */
export const registrars: JobRegistrar[] = [
  registerHealthJobs,
  registerRampJobs,
  registerReconciliationJobs,
  registerMismatchJobs,
  registerBackfillJobs,
  registerNotificationJobs,
  registerSchemaParityJobs,
  registerLatencyJobs,
];

export async function registerJobs(boss: PgBoss) {
  for (const register of registrars) await register(boss);
}
