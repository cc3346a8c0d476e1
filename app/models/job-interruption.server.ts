import { humanDuration } from "~/format/time";
import { controlSql } from "~/utils/db.server";
import { redactError } from "~/utils/databases.server";

/** How long a job waits for a database it lost before it fails: enough for a failover or a restart. */
export const OUTAGE_LIMIT_MS = 10 * 60_000;

/** The states in which each kind of long job is under way (and may wait for a database). */
export const LIVE_STATUSES = {
  reconciliation: ["queued", "running"],
  backfill: ["queued", "copying", "converging"],
} as const satisfies Record<string, readonly string[]>;

export type InterruptibleJob = keyof typeof LIVE_STATUSES;

const TABLES: Record<InterruptibleJob, { jobs: string; ranges: string }> = {
  reconciliation: { jobs: "reconciliation_jobs", ranges: "reconciliation_ranges" },
  backfill: { jobs: "backfill_jobs", ranges: "backfill_ranges" },
};

export function isLive(kind: InterruptibleJob, status: string): boolean {
  return (LIVE_STATUSES[kind] as readonly string[]).includes(status);
}

/**
 * A worker lost a database mid-job (the source, the target or the control DB). That is not the job's failure: the
 * job stays under way with the outage on record (its page says it waits), what it finished stands, and the resume
 * sweep gives it a worker again once the databases answer; its next progress clears the record. "expired" once the
 * outage has lasted `limitMs` since its first report (the caller fails the job); "over" when the job had ended.
 */
export async function recordInterruption(kind: InterruptibleJob, jobId: string, message: string, limitMs = OUTAGE_LIMIT_MS) {
  const sql = controlSql();
  const [row] = await sql<{ expired: boolean }[]>`
    update ${sql(TABLES[kind].jobs)} set interrupted_at = coalesce(interrupted_at, now()), interruption = ${message.slice(0, 2000)}
    where id = ${jobId} and status::text in ${sql([...LIVE_STATUSES[kind]])}
    returning interrupted_at <= now() - ${`${limitMs} milliseconds`}::interval as expired`;
  return !row ? "over" : row.expired ? "expired" : "waiting";
}

/**
 * A worker stopped by an outage (an error `isDatabaseUnavailable` recognises): it gives back the ranges it had not
 * finished, their checkpoints kept, so the next worker takes them at once instead of once they look stale; and the
 * outage goes on record. Neither can fail the caller: with the control DB itself down nothing is written, and the
 * job simply waits. Returns the failure to end the job with once the outage has outlasted `limitMs`, else null.
 */
export async function stopForOutage(kind: InterruptibleJob, jobId: string, workerId: string, error: unknown, limitMs = OUTAGE_LIMIT_MS) {
  const sql = controlSql();
  const message = redactError(error);
  await sql`update ${sql(TABLES[kind].ranges)} set claimed_by = null where job_id = ${jobId} and claimed_by = ${workerId} and not done`.catch(() => {});
  const outcome = await recordInterruption(kind, jobId, message, limitMs).catch(() => "waiting" as const);
  return outcome === "expired" ? `a database it needs stayed unreachable for ${humanDuration(limitMs / 1000)}: ${message}` : null;
}

/** While a job is under way and waits for a database: since when, the error, and how long it may wait. */
export function waitingForDatabase(
  kind: InterruptibleJob,
  job: { status: string; interruptedAt: Date | null; interruption: string | null },
): { since: string; error: string; limit: string } | null {
  if (!job.interruptedAt || !isLive(kind, job.status)) return null;
  return { since: job.interruptedAt.toISOString(), error: job.interruption ?? "", limit: humanDuration(OUTAGE_LIMIT_MS / 1000) };
}
