import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Time } from "~/components/ui/time";

/** A job under way that lost a database, as `waitingForDatabase` (job-interruption.server) serializes it. */
export interface WaitingForDatabase {
  since: string;
  error: string;
  limit: string;
}

/** On a job's page: the job has not failed, it waits; what it met, and when it would fail. */
export function WaitingForDatabaseBanner({ waiting, resumesFrom }: { waiting: WaitingForDatabase | null; resumesFrom: string }) {
  if (!waiting) return null;
  return (
    <Banner tone="warning" title="Waiting for a database">
      A database this job reads or writes became unreachable <Time at={waiting.since} /> ({waiting.error}). The job resumes by itself from {resumesFrom} once it
      answers, and fails if it is still unreachable {waiting.limit} after the outage began.
    </Banner>
  );
}

/** In a list of jobs: instead of the status badge while the job waits. */
export function WaitingBadge() {
  return <Badge tone="warning">waiting for a database</Badge>;
}
