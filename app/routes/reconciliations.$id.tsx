import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { useRevalidateEvery } from "~/components/use-revalidate-every";
import { humanDuration } from "~/format/time";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Badge } from "~/components/ui/badge";
import { RepairPlanTable } from "~/components/reconciliation/repair-plan-table";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { WaitingForDatabaseBanner } from "~/components/jobs/waiting-for-database";
import { Field } from "~/components/ui/field";
import { listRules, toNormalizationRule } from "~/models/normalization-rule.server";
import { waitingForDatabase } from "~/models/job-interruption.server";
import { countsOf, expectedOf, getReconciliationJob, progressOf, requestCancel } from "~/models/reconciliation.server";
import { describeRule } from "~/normalization/rules";
import { describeScope } from "~/models/reconciliation-cohort.server";
import { applyJobRepair, planJobRepair, repairPlanPage } from "~/models/reconciliation-repair.server";
import type { RepairPlan } from "~/reconciliation/repair";
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
      id: job.id,
      table: `${job.schemaName}.${job.tableName}`,
      mode: job.mode,
      status: job.status,
      createdBy: job.createdBy,
      reason: job.reason,
      error: job.error,
      interruption: waitingForDatabase("reconciliation", job),
      drift: job.drift,
      cancelRequested: job.cancelRequestedAt !== null,
      scope: describeScope(job.scope),
    },
    progress: progressOf(job),
    counts: countsOf(job),
    expected: await expectedFindings(job),
    rates,
  });
}

/** Rows the job found different that are not mismatches, with each covering rule described. */
async function expectedFindings(job: NonNullable<Awaited<ReturnType<typeof getReconciliationJob>>>) {
  const expected = expectedOf(job);
  const ids = Object.keys(expected.ignoredRules);
  const rules = ids.length ? new Map((await listRules()).map((r) => [r.id, describeRule(toNormalizationRule(r))])) : new Map<string, string>();
  return {
    ...expected,
    byRule: ids.map((id) => ({ id, count: expected.ignoredRules[id], description: rules.get(id) ?? `rule ${id} (deleted since)` })),
  };
}

const planPageSchema = z.object({ page: z.coerce.number().int().min(1).max(1_000_000).catch(1).default(1) });

const applySchema = z.object({
  intent: z.literal("apply-repair"),
  digest: z.string().regex(/^[0-9a-f]{64}$/, "plan the repair first"),
  confirm: z.literal("on", { errorMap: () => ({ message: "confirm that the target will be changed" }) }),
  reason: z.string().trim().min(1, "say why").max(500),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const id = params.id ?? "";
  const form = await request.formData();
  const intent = form.get("intent");
  if (intent === "plan-repair") {
    // the dry run: reads both sides, changes nothing; the browser gets one page of it
    const { page } = planPageSchema.parse(Object.fromEntries(form));
    return json({ intent: "plan-repair" as const, preview: repairPlanPage(await planJobRepair(id), page), outcome: null, errors: null });
  }
  if (intent === "apply-repair") {
    const parsed = applySchema.safeParse(Object.fromEntries(form));
    if (!parsed.success)
      return json({ intent: "apply-repair" as const, preview: null, outcome: null, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
    const outcome = await applyJobRepair(id, userActor(user), parsed.data.reason, parsed.data.digest);
    return json({ intent: "apply-repair" as const, preview: null, outcome, errors: null });
  }
  const job = await requestCancel(id, userActor(user));
  if (!job) throw new Response("The job has already finished", { status: 409 });
  return json({ intent: "cancel" as const, preview: null, outcome: null, errors: null });
}

const TONE = { queued: "default", running: "info", succeeded: "ok", failed: "critical", cancelled: "warning" } as const;

export default function ReconciliationJobPage() {
  const { job, progress, counts, expected, rates, canCancel } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const live = job.status === "queued" || job.status === "running";
  useRevalidateEvery(1_000, live);
  const total = counts.missing_in_target + counts.extra_in_target + counts.value_mismatch;
  return (
    <div className="space-y-6">
      <PageHeader
        title={`Reconciliation of ${job.table}`}
        description={`${job.mode} of ${job.scope} · started by ${job.createdBy}${job.reason ? ` · ${job.reason}` : ""}`}
        actions={
          canCancel && live && !job.cancelRequested ? (
            <Form method="post">
              <input type="hidden" name="intent" value="cancel" />
              <Button variant="danger" type="submit">
                Cancel job
              </Button>
            </Form>
          ) : null
        }
      />
      {job.error ? (
        <Banner tone="critical" title="The job failed">
          {job.error}
        </Banner>
      ) : null}
      <WaitingForDatabaseBanner waiting={job.interruption} resumesFrom="its last finished range" />
      {job.drift.length ? (
        <Banner tone="warning" title="Schema drift">
          <ul className="list-disc pl-5">
            {job.drift.map((d, i) => (
              <li key={i}>{d.message}</li>
            ))}
          </ul>
        </Banner>
      ) : null}
      <Card
        title={
          <span>
            Progress <Badge tone={TONE[job.status]}>{job.status}</Badge>
          </span>
        }
      >
        <div
          role="progressbar"
          aria-label="Reconciliation progress"
          aria-valuemin={0}
          aria-valuemax={100}
          aria-valuenow={progress.percent}
          className="h-4 w-full rounded bg-gray-200"
        >
          <div className="h-4 rounded bg-blue-600" style={{ width: `${progress.percent}%` }} />
        </div>
        <p className="mt-2 text-sm">
          {progress.percent}% · {progress.bucketsDone} of {progress.bucketsTotal ?? "?"} buckets
        </p>
        <div className="mt-4 grid gap-4 md:grid-cols-4">
          <Stat
            label="Rows compared"
            value={progress.rowsCompared.toLocaleString("en-US")}
            hint={progress.estimatedTotal ? `of about ${progress.estimatedTotal.toLocaleString("en-US")}` : undefined}
          />
          {/* Only a moving job has a rate and an ETA; a finished, failed or cancelled one says so instead. */}
          <Stat label="Rate" value={live ? `${progress.rowsPerSecond.toLocaleString("en-US")} rows/s` : `not running (${job.status})`} />
          <Stat label="ETA" value={live ? (progress.etaSeconds === null ? "—" : humanDuration(progress.etaSeconds)) : "none"} />
          <Stat label="Cleared on re-read" value={progress.clearedOnRecheck} hint="differed once, matched after the delay" />
        </div>
      </Card>
      <Card title="Not mismatches">
        <div className="grid gap-4 md:grid-cols-2">
          <Stat label="Ignored by rule" value={expected.ignoredByRule} hint="differ only where an active normalization rule says equal" />
          <Stat label="Not yet migrated" value={expected.notYetMigrated} hint="missing on the target; owner still on source only, data not copied" />
        </div>
        {expected.byRule.length ? (
          <ul className="mt-3 list-disc pl-5 text-sm" aria-label="Ignored by rule">
            {expected.byRule.map((r) => (
              <li key={r.id}>
                {r.count} rows: {r.description}
              </li>
            ))}
          </ul>
        ) : null}
        <p className="mt-3 text-sm">
          {expected.ownerColumn
            ? `Owner column ${expected.ownerColumn}: a row missing on the target counts as a mismatch only when its owner's mode mirrors writes (or its cohort was copied).`
            : "No owner column for this table: whole-table meaning, every source row is expected on the target. An engineer can set one in Settings."}
        </p>
      </Card>
      <Card title="Differences">
        <div className="grid gap-4 md:grid-cols-3">
          <Stat label="Missing in target" value={counts.missing_in_target} tone={counts.missing_in_target ? "critical" : "ok"} />
          <Stat label="Extra in target" value={counts.extra_in_target} tone={counts.extra_in_target ? "critical" : "ok"} />
          <Stat label="Value mismatch" value={counts.value_mismatch} tone={counts.value_mismatch ? "critical" : "ok"} />
        </div>
        {total > 0 ? (
          <p className="mt-3 text-sm">
            <Link className="text-blue-700 underline" to={`/mismatches?job=${encodeURIComponent(job.id)}`}>
              Open the {total === 1 ? "mismatch" : `${total.toLocaleString("en")} mismatches`} in the triage table
            </Link>
          </p>
        ) : null}
      </Card>
      {canCancel && job.status === "succeeded" && job.mode === "verify" && total > 0 ? (
        <Card title="Repair the target">
          <p className="text-sm text-slate-600">
            Makes the target rows of this job&apos;s open mismatches equal to the source. Start with a dry run: it lists every insert, update and delete, and
            changes nothing.
          </p>
          <Form method="post" className="mt-3">
            <input type="hidden" name="intent" value="plan-repair" />
            <Button type="submit" variant="secondary" disabled={busy}>
              Plan repair
            </Button>
          </Form>
          {actionData?.outcome ? (
            <Banner tone={actionData.outcome.remaining ? "warning" : "ok"} title={`Repair applied: ${actionData.outcome.applied} changes on the target`}>
              {`${actionData.outcome.planned.insert} inserts, ${actionData.outcome.planned.update} updates, ${actionData.outcome.planned.delete} deletes; `}
              {`${actionData.outcome.remaining} keys still differ after the re-verify; ${actionData.outcome.repairedMismatches} mismatches marked repaired.`}
            </Banner>
          ) : null}
          {actionData?.preview ? (
            <div className="mt-4 space-y-4">
              <RepairPlanView
                plan={actionData.preview.plan}
                alreadyEqual={actionData.preview.alreadyEqual}
                page={actionData.preview.page}
                pageCount={actionData.preview.pageCount}
                pageSize={actionData.preview.pageSize}
                totalActions={actionData.preview.totalActions}
                busy={busy}
              />
              {actionData.preview.plan.actions.length > 0 ? <RepairApplyForm digest={actionData.preview.digest} busy={busy} errors={null} /> : null}
            </div>
          ) : null}
          {actionData?.errors ? <RepairApplyForm digest={null} busy={busy} errors={actionData.errors} /> : null}
        </Card>
      ) : null}
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

/**
 * The dry run, per key: the statement kind and the values the target would get (as the source's text), one page
 * at a time (another page plans again: the plan is not kept between requests).
 */
function RepairPlanView({
  plan,
  alreadyEqual,
  page,
  pageCount,
  pageSize,
  totalActions,
  busy,
}: {
  plan: RepairPlan;
  alreadyEqual: number;
  page: number;
  pageCount: number;
  pageSize: number;
  totalActions: number;
  busy: boolean;
}) {
  const first = (page - 1) * pageSize + 1;
  const pageButton = (to: number, label: string) => (
    <Form method="post">
      <input type="hidden" name="intent" value="plan-repair" />
      <input type="hidden" name="page" value={to} />
      <Button type="submit" variant="secondary" disabled={busy}>
        {label}
      </Button>
    </Form>
  );
  return (
    <div>
      <p className="text-sm font-medium">
        Dry run on {plan.table}: {plan.counts.insert} inserts, {plan.counts.update} updates, {plan.counts.delete} deletes on the target
        {alreadyEqual ? ` (${alreadyEqual} keys already match again)` : ""}.
      </p>
      {pageCount > 1 ? (
        <nav className="mt-2 flex items-center gap-2 text-sm" aria-label="Repair plan pages">
          {page > 1 ? pageButton(page - 1, "Previous") : null}
          <span>{`Changes ${first}–${first + plan.actions.length - 1} of ${totalActions} (page ${page} of ${pageCount})`}</span>
          {page < pageCount ? pageButton(page + 1, "Next") : null}
        </nav>
      ) : null}
      <div className="mt-2">
        <RepairPlanTable actions={plan.actions} />
      </div>
    </div>
  );
}

function RepairApplyForm({ digest, busy, errors }: { digest: string | null; busy: boolean; errors: Record<string, string[] | undefined> | null }) {
  if (!digest)
    return (
      <Banner tone="critical" title="Not applied">
        {Object.values(errors ?? {})
          .flat()
          .join(" ")}
      </Banner>
    );
  return (
    <Form method="post" className="space-y-3 rounded border border-red-200 bg-red-50 p-3">
      <input type="hidden" name="intent" value="apply-repair" />
      <input type="hidden" name="digest" value={digest} />
      <label className="flex items-center gap-2 text-sm font-medium">
        <input type="checkbox" name="confirm" required />I have reviewed this dry run and want these changes written to the target
      </label>
      <Field label="Reason" name="reason" required placeholder="why the target is repaired" />
      <Button type="submit" variant="danger" disabled={busy}>
        Apply repair
      </Button>
    </Form>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
