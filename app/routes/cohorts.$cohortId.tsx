import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CohortDataCard, type CohortDataRow } from "~/components/backfill/cohort-data-card";
import { CohortFields } from "~/components/rollout/cohort-fields";
import { FieldDiffSummary } from "~/components/json-diff-inline";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { Time } from "~/components/ui/time";
import { CohortSummary } from "~/components/rollout/cohort-summary";
import { VerifiedTablesTable } from "~/components/rollout/verified-tables-table";
import { getBoss } from "~/jobs/boss.server";
import { dispatchBackfill } from "~/jobs/backfill.server";
import { backfillGateOverride, cohortDataStates, cohortTables, overrideBackfillGate, startCohortBackfill } from "~/models/backfill-cohort.server";
import { getCohort, listCohortHistory, pick } from "~/models/cohort.server";
import { updateCohort } from "~/rollout/cohort-change.server";
import { cohortTableFreshness, isFresh, setCohortVerifiedTables } from "~/models/reconciliation-freshness.server";
import { RolloutError } from "~/models/rollout-error.server";
import { guardReconciliationTables } from "~/models/schema-guard.server";
import { lastRampEvent } from "~/models/rollout-ramp.server";
import { sampleSourceUsers } from "~/models/rollout-population.server";
import { loadRuleset } from "~/models/ruleset.server";
import { cohortVerifiedTablesSchema, splitTableName } from "~/reconciliation/request";
import { cohortFormSchema, fieldErrors } from "~/rollout/cohort-form";
import { MODE_LABELS } from "~/rollout/modes";
import { formatBasisPoints } from "~/rollout/percent";
import { describeBasis } from "~/rollout/population";
import { previewChange } from "~/rollout/preview";
import { nextRampStep, rampClockAfterEdit, type RampStatus } from "~/rollout/ramp";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { redactError } from "~/utils/databases.server";
import { BACKFILL_DEFAULTS } from "~/backfill/types";
import { z } from "zod";
import { TextArea } from "~/components/ui/input";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `${data?.cohort.name ?? "Cohort"} · Cutover` }];

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const cohort = await getCohort(params.cohortId ?? "");
  if (!cohort) throw new Response("No such cohort.", { status: 404 });
  const [history, lastEvent, verifiedTables, data, override] = await Promise.all([
    listCohortHistory(cohort.id),
    lastRampEvent(cohort.id),
    cohortTableFreshness(cohort.id),
    cohortData(cohort.id),
    backfillGateOverride(cohort.id),
  ]);
  const ramp = rampView(nextRampStep(cohort, cohort.rampClockAt.getTime(), Date.now()));
  return json({
    canEdit: hasRole(user, "engineer"),
    cohort: { ...pick(cohort), id: cohort.id, version: cohort.version, updatedAt: cohort.updatedAt.toISOString() },
    ramp,
    verifiedTables: verifiedTables.map((t) => ({
      table: `${t.schemaName}.${t.tableName}`,
      maxAgeHours: t.maxAgeHours,
      verifiedAt: t.verifiedAt?.toISOString() ?? null,
      fresh: isFresh(t),
    })),
    canOverride: hasRole(user, "admin"),
    data,
    override: override ? { reason: override.reason, createdBy: override.createdBy, createdAt: override.createdAt.toISOString() } : null,
    lastRampEvent: lastEvent ? { outcome: lastEvent.outcome, detail: lastEvent.detail, at: lastEvent.at.toISOString() } : null,
    history: history.map((h) => ({
      id: h.id,
      action: h.action,
      actor: h.actorLabel,
      reason: h.reason,
      diff: h.diff,
      at: h.at.toISOString(),
      cohortVersion: h.cohortVersion,
    })),
  });
}

/** A ramp's next step as the page shows it (the time rendered in the browser, relative with the absolute on hover). */
function rampView(status: RampStatus | null) {
  if (!status) return null;
  if (status.state === "complete") return { state: "complete" as const, nextBasisPoints: null, dueAt: null };
  return { state: status.state, nextBasisPoints: status.nextBasisPoints, dueAt: new Date(status.dueAtMs).toISOString() };
}

/** Each table of the cohort's data and its state; a source that cannot be read is shown, not an empty list. */
async function cohortData(cohortId: string): Promise<{ rows: CohortDataRow[]; error: string | null }> {
  try {
    const tables = await cohortTables();
    const states = await cohortDataStates(cohortId, tables);
    const rows = tables.map((t) => {
      const table = `${t.schemaName}.${t.tableName}`;
      const s = states.get(table)!;
      return {
        table,
        column: t.column,
        estimatedRows: t.estimatedRows,
        estimatedBytes: t.estimatedBytes,
        state: s.state,
        percent: s.state === "copying" ? s.percent : null,
        jobId: "jobId" in s ? s.jobId : null,
        at: "at" in s && s.at ? s.at.toISOString() : null,
      };
    });
    return { rows, error: null };
  } catch (error) {
    return { rows: [], error: redactError(error) };
  }
}

const reasonSchema = z.object({ reason: z.string().trim().min(1, "say why").max(500) });

/** intent=backfill-cohort (engineers): one backfill per table not converged yet, dispatched parents first. */
async function backfillCohort(cohortId: string, form: Record<string, FormDataEntryValue>, actor: ReturnType<typeof userActor>) {
  if (!(await getCohort(cohortId))) throw new Response("No such cohort.", { status: 404 });
  const parsed = reasonSchema.safeParse(form);
  if (!parsed.success) return json({ errors: { "backfill.reason": "say why" }, preview: null, saved: false }, { status: 400 });
  const started = await startCohortBackfill(cohortId, actor, parsed.data.reason);
  const boss = await getBoss();
  for (const s of started.started) await dispatchBackfill(boss, s.id, BACKFILL_DEFAULTS.workers);
  return json({ errors: {}, preview: null, saved: false, backfill: started });
}

/** intent=backfill-override (admins only): the backfilled gate passes for this cohort, with the reason audited. */
async function overrideGate(cohortId: string, form: Record<string, FormDataEntryValue>, actor: ReturnType<typeof userActor>) {
  if (!(await getCohort(cohortId))) throw new Response("No such cohort.", { status: 404 });
  const parsed = reasonSchema.safeParse(form);
  if (!parsed.success) return json({ errors: { "override.reason": "say why" }, preview: null, saved: false }, { status: 400 });
  await overrideBackfillGate(cohortId, actor, parsed.data.reason);
  return json({ errors: {}, preview: null, saved: false });
}

/**
 * intent=preview: how many users (and what share of writes) would move, from a sample of the source's users.
 * intent=save: the edit, made from the version the form was loaded at (409 when someone saved in between).
 */
export async function action({ request, params }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "verified-tables") return saveVerifiedTables(params.cohortId ?? "", form, userActor(user));
  if (form.intent === "backfill-cohort") return backfillCohort(params.cohortId ?? "", form, userActor(user));
  if (form.intent === "backfill-override") {
    if (!hasRole(user, "admin")) throw new Response("Only an admin can override the backfilled gate.", { status: 403 });
    return overrideGate(params.cohortId ?? "", form, userActor(user));
  }
  // Only saving needs a reason: a preview changes nothing, so it runs before one is typed.
  const previewing = form.intent === "preview";
  const parsed = cohortFormSchema.safeParse(previewing && !String(form.reason ?? "").trim() ? { ...form, reason: "preview" } : form);
  if (!parsed.success) return json({ errors: fieldErrors(parsed.error), preview: null, saved: false }, { status: 400 });
  const { input, reason, confirmed, restartRampClock } = parsed.data;
  const id = params.cohortId ?? "";
  const current = await getCohort(id);
  if (!current) throw new Response("No such cohort.", { status: 404 });
  // The ramp after this change, as the save would leave it: the schedule kept unless a restart is asked for.
  const now = Date.now();
  const clockMs = rampClockAfterEdit({ ...current, rampClockAtMs: current.rampClockAt.getTime() }, input, restartRampClock, now);
  const nextStep = rampView(nextRampStep(input, clockMs, now));
  const [ruleset, sample] = await Promise.all([loadRuleset(), sampleSourceUsers()]);
  const proposed = { ...ruleset, cohorts: ruleset.cohorts.map((c) => (c.id === id ? { ...c, ...input } : c)) };
  const p = previewChange(ruleset, proposed, sample.users, { population: sample.population, writers: sample.writers ?? undefined });
  const basis = describeBasis(sample.basis);
  const preview = {
    transitions: p.transitions.map((t) => ({ from: t.from, to: t.to, kind: t.kind, users: t.users, writeShare: t.writeShare })),
    movedUsers: p.movedUsers,
    movedShare: p.movedShare,
    movedWriteShare: p.movedWriteShare,
    usersBasis: basis.users,
    writesBasis: basis.writes,
    rollbackUsers: p.rollbackUsers,
    kind: p.classification.kind,
    sampleError: sample.error,
    nextStep,
    rampClockRestarts: nextStep !== null && clockMs !== current.rampClockAt.getTime(),
  };
  if (previewing) return json({ errors: {}, preview, saved: false });
  try {
    await updateCohort(id, Number(form.version), input, { actor: userActor(user), reason, confirmed, isAdmin: hasRole(user, "admin") }, { restartRampClock });
  } catch (error) {
    if (error instanceof RolloutError) return json({ errors: { form: error.message }, preview, saved: false }, { status: error.status });
    throw error;
  }
  return json({ errors: {}, preview, saved: true });
}

/** intent=verified-tables: the tables this cohort's freshness gate requires verified clean (audited). */
async function saveVerifiedTables(cohortId: string, form: Record<string, FormDataEntryValue>, actor: ReturnType<typeof userActor>) {
  if (!(await getCohort(cohortId))) throw new Response("No such cohort.", { status: 404 });
  const parsed = cohortVerifiedTablesSchema.safeParse(form);
  if (!parsed.success) {
    const errors = Object.fromEntries(Object.entries(parsed.error.flatten().fieldErrors).map(([k, v]) => [`tables.${k}`, (v ?? []).join(" ")]));
    return json({ errors, preview: null, saved: false }, { status: 400 });
  }
  const { tables, maxAgeHours, reason } = parsed.data;
  const guard = await guardReconciliationTables(tables.map(splitTableName));
  if (!guard.ok) return json({ errors: { "tables.tables": guard.message }, preview: null, saved: false }, { status: 400 });
  await setCohortVerifiedTables(cohortId, tables.map(splitTableName), maxAgeHours, actor, reason);
  return json({ errors: {}, preview: null, saved: false, tablesSaved: true });
}

export default function CohortPage() {
  const { canEdit, canOverride, cohort, ramp, verifiedTables, data, override, lastRampEvent, history } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const errors: Record<string, string> = actionData?.errors ?? {};
  const preview = actionData?.preview;
  return (
    <div className="space-y-6">
      <PageHeader
        title={cohort.name}
        description={`${MODE_LABELS[cohort.mode]} · ${formatBasisPoints(cohort.percentBasisPoints)} · version ${cohort.version}`}
      />
      {actionData?.saved ? (
        <Banner tone="ok" title="Saved">
          The new ruleset version is live.
        </Banner>
      ) : null}
      {errors.form ? (
        <Banner tone="critical" title="Not saved">
          {errors.form}
        </Banner>
      ) : null}
      {ramp ? (
        <Card title="Scheduled ramp">
          <p className="text-sm">
            <RampNext ramp={ramp} />
          </p>
          {lastRampEvent && lastRampEvent.outcome !== "stepped" ? (
            <p className="text-sm text-amber-700">
              Waiting: {lastRampEvent.detail} (checked <Time at={lastRampEvent.at} />)
            </p>
          ) : null}
        </Card>
      ) : null}
      {!canEdit ? <CohortSummary cohort={cohort} /> : null}
      {canEdit ? (
        <Card title="Edit">
          <Form method="post" className="space-y-3" key={cohort.version}>
            <input type="hidden" name="version" value={cohort.version} />
            <CohortFields values={cohort} errors={errors} disabled={!canEdit} />
            <Field label="Reason" name="reason" disabled={!canEdit} error={errors.reason} />
            {preview ? (
              <div className="rounded border border-slate-200 bg-slate-50 p-3 text-sm" aria-label="Preview">
                <p className="font-medium">
                  Preview: ~{preview.movedUsers.toLocaleString("en")} users move ({(preview.movedShare * 100).toFixed(2)}%) and{" "}
                  {(preview.movedWriteShare * 100).toFixed(2)}% of write traffic — {preview.kind}
                </p>
                <p className="text-xs text-slate-600">
                  Users {preview.usersBasis.text}. Write traffic {preview.writesBasis.text}.
                </p>
                <ul className="list-disc pl-5">
                  {preview.transitions.map((t) => (
                    <li key={`${t.from}-${t.to}`}>
                      {MODE_LABELS[t.from]} → {MODE_LABELS[t.to]}: ~{t.users.toLocaleString("en")} users, {(t.writeShare * 100).toFixed(2)}% of writes ({t.kind}
                      )
                    </li>
                  ))}
                </ul>
                <p>
                  {preview.nextStep ? (
                    <>
                      Scheduled ramp after this change: <RampNext ramp={preview.nextStep} />
                      {preview.nextStep.state === "complete"
                        ? "."
                        : preview.rampClockRestarts
                          ? " (the interval starts again when you save)."
                          : " (the schedule is kept)."}
                    </>
                  ) : (
                    "No scheduled ramp after this change."
                  )}
                </p>
                {preview.sampleError ? <p className="text-red-700">{preview.sampleError}</p> : null}
              </div>
            ) : null}
            {cohort.rampSteps ? (
              <label className="flex items-center gap-2 text-sm">
                <input type="checkbox" name="restartRampClock" disabled={!canEdit} />
                Restart the ramp clock (the next step comes a full interval after saving)
              </label>
            ) : null}
            <label className="flex items-center gap-2 text-sm">
              <input type="checkbox" name="confirmed" disabled={!canEdit} />I confirm this rollback
              {preview && preview.rollbackUsers > 0 ? ` (${preview.rollbackUsers.toLocaleString("en")} users move back)` : ""}
            </label>
            <div className="flex gap-2">
              <Button type="submit" name="intent" value="preview" variant="secondary" disabled={!canEdit || busy}>
                Preview
              </Button>
              <Button type="submit" name="intent" value="save" disabled={!canEdit || busy}>
                Save
              </Button>
            </div>
          </Form>
        </Card>
      ) : null}
      <CohortDataCard
        rows={data.rows}
        error={data.error}
        override={override}
        canStart={canEdit}
        canOverride={canOverride}
        errors={errors}
        started={actionData && "backfill" in actionData ? (actionData.backfill as Parameters<typeof CohortDataCard>[0]["started"]) : null}
      />
      <Card title="Reconciliation freshness">
        <p className="text-sm text-slate-600">
          Tables this cohort must have verified clean (a verify of the whole table, or of this cohort's rows, with no difference) before it advances.
        </p>
        {verifiedTables.length ? (
          <div className="mt-2">
            <VerifiedTablesTable tables={verifiedTables} />
          </div>
        ) : (
          <p className="mt-2 text-sm text-slate-500">No table required: only scheduled tables gate this cohort.</p>
        )}
        {actionData && "tablesSaved" in actionData ? (
          <Banner tone="ok" title="Saved">
            The cohort&apos;s required tables changed.
          </Banner>
        ) : null}
        {canEdit ? (
          <Form method="post" className="mt-3 space-y-3" key={verifiedTables.map((t) => t.table).join()}>
            <input type="hidden" name="intent" value="verified-tables" />
            <label className="block text-sm font-medium">
              Tables (schema.table, one per line)
              <TextArea
                name="tables"
                rows={3}
                className="mt-1 block w-full py-2 font-mono text-xs"
                defaultValue={verifiedTables.map((t) => t.table).join("\n")}
              />
            </label>
            {errors["tables.tables"] ? <p className="text-sm text-red-700">{errors["tables.tables"]}</p> : null}
            <Field
              label="Maximum age (hours)"
              name="maxAgeHours"
              type="number"
              defaultValue={String(verifiedTables[0]?.maxAgeHours ?? 24)}
              error={errors["tables.maxAgeHours"]}
            />
            <Field label="Why the required tables change" id="verified-tables-reason" name="reason" error={errors["tables.reason"]} />
            <Button type="submit" variant="secondary" disabled={busy}>
              Require these tables
            </Button>
          </Form>
        ) : null}
      </Card>
      <Card title="History">
        <ol className="space-y-2 text-sm">
          {history.map((h) => (
            <li key={h.id} className="rounded border border-slate-200 p-2">
              <div className="flex justify-between">
                <span>
                  <strong>{h.action}</strong> v{h.cohortVersion} by {h.actor}: {h.reason}
                </span>
                <Time at={h.at} className="text-xs text-slate-500" />
              </div>
              <FieldDiffSummary diff={h.diff} />
            </li>
          ))}
        </ol>
      </Card>
    </div>
  );
}

/** "next step 25% in 3 hours", "next step 25% is due: ...", "ramp complete". */
function RampNext({ ramp }: { ramp: { state: "complete" | "waiting" | "due"; nextBasisPoints: number | null; dueAt: string | null } }) {
  if (ramp.state === "complete" || ramp.nextBasisPoints === null) return <>ramp complete</>;
  if (ramp.state === "due")
    return <>next step {formatBasisPoints(ramp.nextBasisPoints)} is due: the ramp job takes it within a minute while every gate passes</>;
  return (
    <>
      next step {formatBasisPoints(ramp.nextBasisPoints)} <Time at={ramp.dueAt} />
    </>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
