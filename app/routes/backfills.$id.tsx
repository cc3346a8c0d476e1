import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useLoaderData } from "@remix-run/react";
import { ConvergeRoundTable, SetAsideRowTable } from "~/components/backfill/backfill-tables";
import { BACKFILL_TONE, formatEta, ProgressBar } from "~/components/backfill/progress-bar";
import { useRevalidateEvery } from "~/components/use-revalidate-every";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { WaitingForDatabaseBanner } from "~/components/jobs/waiting-for-database";
import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { backfillProgress, getBackfillJob, listSetAsideRows, requestBackfillCancel } from "~/models/backfill.server";
import { waitingForDatabase } from "~/models/job-interruption.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Backfill · Cutover" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const job = await getBackfillJob(params.id ?? "");
  if (!job) throw new Response("No such backfill", { status: 404 });
  const setAside = await listSetAsideRows(job.id, 100);
  const scope = job.scope;
  return json({
    canCancel: hasRole(user, "engineer"),
    job: {
      id: job.id,
      table: `${job.schemaName}.${job.tableName}`,
      status: job.status,
      scope:
        scope.kind === "cohort"
          ? scope.members
            ? `cohort '${scope.members.cohortName}': ${scope.members.ids.length.toLocaleString("en")} users through column ${scope.column}`
            : `a cohort's users through column ${scope.column} (resolving)`
          : scope.kind === "users"
            ? `${scope.ids.length.toLocaleString("en")} users through column ${scope.column}`
            : scope.kind === "range"
              ? `key range ${scope.from ? `from (${scope.from.join(", ")})` : "from the start"} ${scope.to ? `to (${scope.to.join(", ")})` : "to the end"}`
              : "whole table",
      createdBy: job.actor.label,
      reason: job.reason,
      error: job.error,
      interruption: waitingForDatabase("backfill", job),
      cancelRequested: job.cancelRequestedAt !== null,
      copied: job.rowsCopied,
      skippedExisting: job.rowsSkippedExisting,
      setAside: job.rowsSetAside,
      remaining: job.remaining,
      maxRounds: job.maxRounds,
      rounds: job.rounds,
      rowsPerSecondCap: job.rowsPerSecond,
      batchRows: job.batchRows,
      finishedAt: job.finishedAt,
    },
    progress: backfillProgress(job),
    setAside: setAside.map((r) => ({ id: r.id, key: r.primaryKey, row: r.row, sqlstate: r.sqlstate, error: r.error })),
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const job = await requestBackfillCancel(params.id ?? "", userActor(user));
  if (!job) throw new Response("No running backfill with this id", { status: 409 });
  return json({ cancelled: true });
}

export default function BackfillPage() {
  const { job, progress, setAside, canCancel } = useLoaderData<typeof loader>();
  const live = job.status === "queued" || job.status === "copying" || job.status === "converging";
  useRevalidateEvery(1_000, live);
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Backfill of ${job.table}`}
        description={`${job.scope} · started by ${job.createdBy} · ${job.reason}`}
        actions={
          canCancel && live && !job.cancelRequested ? (
            <Form method="post">
              <Button variant="danger" type="submit">
                Cancel backfill
              </Button>
            </Form>
          ) : null
        }
      />
      <div className="flex items-center gap-3">
        <Badge tone={BACKFILL_TONE[job.status]}>{job.status.replace("_", " ")}</Badge>
        {job.cancelRequested && live ? <span className="text-sm text-amber-700">cancelling…</span> : null}
      </div>
      {job.error ? (
        <Banner tone="critical" title="Failed">
          {job.error}
        </Banner>
      ) : null}
      <WaitingForDatabaseBanner
        waiting={job.interruption}
        resumesFrom={job.status === "converging" ? "its converge round" : "the last batch each range recorded"}
      />
      <Card title="Copy">
        <ProgressBar percent={progress.percent} label="Copy progress" />
        <p className="mt-2 text-sm text-slate-600">
          {progress.percent}% · {progress.rowsHandled.toLocaleString("en")} of ~{(progress.estimatedRows ?? 0).toLocaleString("en")} rows · ranges{" "}
          {progress.rangesDone}/{progress.rangesTotal ?? "?"} ·{" "}
          {live ? (
            <>
              {progress.rowsPerSecond.toLocaleString("en")} rows/s{job.rowsPerSecondCap ? ` (cap ${job.rowsPerSecondCap.toLocaleString("en")})` : ""} · ETA{" "}
              {formatEta(progress.etaSeconds)}
            </>
          ) : (
            `not copying (${job.status.replace("_", " ")})`
          )}
        </p>
      </Card>
      <div className="grid gap-3 sm:grid-cols-4">
        <Stat label="Copied" value={job.copied.toLocaleString("en")} />
        <Stat label="Already on the target" value={job.skippedExisting.toLocaleString("en")} hint="kept as they were (ON CONFLICT DO NOTHING)" />
        <Stat label="Set aside" value={job.setAside.toLocaleString("en")} tone={job.setAside ? "warning" : "default"} hint="refused by the target" />
        <Stat
          label="Still differing"
          value={job.remaining === null ? "—" : job.remaining.toLocaleString("en")}
          tone={job.remaining ? "warning" : job.remaining === 0 ? "ok" : "default"}
        />
      </div>
      <Card title={`Converge rounds (at most ${job.maxRounds})`}>
        {job.rounds.length === 0 ? (
          <p className="text-sm text-slate-500">
            {job.status === "converging"
              ? "Verifying what was copied…"
              : "After the copy, each round verifies the scope and repairs what differs (the source wins)."}
          </p>
        ) : (
          <ConvergeRoundTable rounds={job.rounds} />
        )}
        {job.status === "converged" && job.finishedAt ? (
          <p className="mt-2 text-sm text-emerald-700">Converged at {String(job.finishedAt).slice(0, 19).replace("T", " ")}.</p>
        ) : null}
        {job.status === "not_converged" ? (
          <p className="mt-2 text-sm text-amber-700">Not converged: the last round&apos;s differences are open mismatch records (see its verify job).</p>
        ) : null}
      </Card>
      <Card title="Set-aside rows">
        {setAside.length === 0 ? <p className="text-sm text-slate-500">The target refused no row.</p> : <SetAsideRowTable rows={setAside} />}
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
