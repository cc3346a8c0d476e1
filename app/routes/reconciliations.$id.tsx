import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useRevalidator } from "@remix-run/react";
import { useEffect } from "react";
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { countsOf, getReconciliationJob, progressOf, requestCancel } from "~/models/reconciliation.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation job · Cutover" }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const job = await getReconciliationJob(params.id ?? "");
  if (!job) throw new Response("No such reconciliation job", { status: 404 });
  // rate between consecutive samples, for the chart
  const rates = job.samples.slice(1).map((s, i) => {
    const prev = job.samples[i];
    const seconds = Math.max(0.001, (Date.parse(s.at) - Date.parse(prev.at)) / 1000);
    return { at: s.at.slice(11, 19), rowsPerSecond: Math.round((s.rowsCompared - prev.rowsCompared) / seconds) };
  });
  return json({
    canCancel: hasRole(user, "engineer"),
    job: {
      id: job.id, table: `${job.schemaName}.${job.tableName}`, mode: job.mode, status: job.status, createdBy: job.createdBy,
      reason: job.reason, error: job.error, drift: job.drift, cancelRequested: job.cancelRequestedAt !== null,
    },
    progress: progressOf(job),
    counts: countsOf(job),
    rates,
  });
}

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const job = await requestCancel(params.id ?? "", userActor(user));
  if (!job) throw new Response("The job has already finished", { status: 409 });
  return json({ ok: true });
}

const TONE = { queued: "default", running: "info", succeeded: "ok", failed: "critical", cancelled: "warning" } as const;

export default function ReconciliationJobPage() {
  const { job, progress, counts, rates, canCancel } = useLoaderData<typeof loader>();
  const revalidator = useRevalidator();
  const live = job.status === "queued" || job.status === "running";
  // live progress: re-run the loader every second while the job runs (no client-side data fetching)
  useEffect(() => {
    if (!live) return;
    const timer = setInterval(() => {
      if (revalidator.state === "idle") revalidator.revalidate();
    }, 1000);
    return () => clearInterval(timer);
  }, [live, revalidator]);
  const total = counts.missing_in_target + counts.extra_in_target + counts.value_mismatch;
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Reconciliation of ${job.table}`}
        description={`${job.mode} · started by ${job.createdBy}${job.reason ? ` · ${job.reason}` : ""}`}
        actions={
          canCancel && live && !job.cancelRequested ? (
            <Form method="post"><Button variant="danger" type="submit">Cancel job</Button></Form>
          ) : null
        }
      />
      {job.error ? <Banner tone="critical" title="The job failed">{job.error}</Banner> : null}
      {job.drift.length ? (
        <Banner tone="warning" title="Schema drift">
          <ul className="list-disc pl-5">{job.drift.map((d, i) => <li key={i}>{d.message}</li>)}</ul>
        </Banner>
      ) : null}
      <Card title={<span>Progress <Badge tone={TONE[job.status]}>{job.status}</Badge></span>}>
        <div role="progressbar" aria-label="Reconciliation progress" aria-valuemin={0} aria-valuemax={100} aria-valuenow={progress.percent} className="h-4 w-full rounded bg-gray-200">
          <div className="h-4 rounded bg-blue-600" style={{ width: `${progress.percent}%` }} />
        </div>
        <p className="mt-2 text-sm">{progress.percent}% · {progress.bucketsDone} of {progress.bucketsTotal ?? "?"} buckets</p>
        <div className="mt-4 grid gap-4 md:grid-cols-4">
          <Stat label="Rows compared" value={progress.rowsCompared.toLocaleString("en-US")} hint={progress.estimatedTotal ? `of about ${progress.estimatedTotal.toLocaleString("en-US")}` : undefined} />
          <Stat label="Rate" value={`${progress.rowsPerSecond.toLocaleString("en-US")} rows/s`} />
          <Stat label="ETA" value={progress.etaSeconds === null ? "—" : `${progress.etaSeconds} s`} />
          <Stat label="Cleared on re-read" value={progress.clearedOnRecheck} hint="differed once, matched after the delay" />
        </div>
      </Card>
      <Card title="Differences">
        <div className="grid gap-4 md:grid-cols-3">
          <Stat label="Missing in target" value={counts.missing_in_target} tone={counts.missing_in_target ? "critical" : "ok"} />
          <Stat label="Extra in target" value={counts.extra_in_target} tone={counts.extra_in_target ? "critical" : "ok"} />
          <Stat label="Value mismatch" value={counts.value_mismatch} tone={counts.value_mismatch ? "critical" : "ok"} />
        </div>
        {total > 0 ? (
          <p className="mt-3 text-sm">
            <Link className="text-blue-700 underline" to={`/mismatches?origin=reconciliation&table=${encodeURIComponent(job.table.replace(/^public\./, ""))}`}>
              Open the {total} mismatches in the triage table
            </Link>
          </p>
        ) : null}
      </Card>
      <Card title="Rate">
        <ClientOnly height={200}>
          {() => (
            <ResponsiveContainer width="100%" height={200}>
              <LineChart data={rates}>
                <XAxis dataKey="at" fontSize={11} />
                <YAxis fontSize={11} />
                <Tooltip />
                <Line type="monotone" dataKey="rowsPerSecond" stroke="#2563eb" dot={false} isAnimationActive={false} />
              </LineChart>
            </ResponsiveContainer>
          )}
        </ClientOnly>
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
