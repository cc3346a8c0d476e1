import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Link, useLoaderData } from "@remix-run/react";
import { BACKFILL_TONE, formatEta, ProgressBar } from "~/components/backfill/progress-bar";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { backfillProgress, listBackfillJobs } from "~/models/backfill.server";
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
      <Card title="Jobs">
        {jobs.length === 0 ? (
          <p className="text-sm text-slate-500">No backfill yet.</p>
        ) : (
          <table className="w-full text-sm" aria-label="Backfill jobs">
            <thead>
              <tr className="text-left text-slate-500">
                <th className="py-1">Table</th><th>Scope</th><th>Status</th><th className="w-48">Copy</th><th>ETA</th><th>Copied</th><th>Set aside</th><th>Rounds</th><th>Started by</th>
              </tr>
            </thead>
            <tbody>
              {jobs.map((j) => (
                <tr key={j.id} className="border-t">
                  <td className="py-1 font-mono text-xs"><Link className="text-sky-700 hover:underline" to={`/backfills/${j.id}`}>{j.table}</Link></td>
                  <td>{j.scope}</td>
                  <td><Badge tone={BACKFILL_TONE[j.status]}>{j.status.replace("_", " ")}</Badge></td>
                  <td><ProgressBar percent={j.progress.percent} label={`Copy of ${j.table}`} /></td>
                  <td>{formatEta(j.progress.etaSeconds)}</td>
                  <td className="tabular-nums">{j.copied.toLocaleString("en")}</td>
                  <td className="tabular-nums">{j.setAside.toLocaleString("en")}</td>
                  <td className="tabular-nums">{j.rounds}</td>
                  <td>{j.createdBy}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
