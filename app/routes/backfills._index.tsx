import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { BackfillJobTable } from "~/components/backfill/backfill-tables";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { backfillProgress, listBackfillJobs } from "~/models/backfill.server";
import { waitingForDatabase } from "~/models/job-interruption.server";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Backfills · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  const jobs = await listBackfillJobs(100);
  return json({
    jobs: jobs.map((j) => ({
      id: j.id,
      table: `${j.schemaName}.${j.tableName}`,
      scope: j.scopeKind === "cohort" ? `cohort ${j.scopeCohort ?? "(resolving)"}` : j.scopeKind,
      status: j.status,
      waiting: waitingForDatabase("backfill", j) !== null,
      progress: backfillProgress(j),
      copied: j.rowsCopied,
      setAside: j.rowsSetAside,
      rounds: j.rounds.length,
      createdBy: j.actor.label,
      createdAt: j.createdAt,
    })),
  });
}

export default function BackfillsPage() {
  const { jobs } = useLoaderData<typeof loader>();
  return (
    <div className="space-y-6">
      <PageHeader
        title="Backfills"
        description="Copies of previous data from the source to the target (key order, rows already on the target kept), then verified and repaired until they converge. Start one from a cohort's page or with POST /api/v1/backfills."
      />
      <Card title="Jobs">{jobs.length === 0 ? <p className="text-sm text-slate-500">No backfill yet.</p> : <BackfillJobTable jobs={jobs} />}</Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
