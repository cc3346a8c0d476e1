import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { FreshnessTable, ReconciliationJobTable, ScheduleTable } from "~/components/reconciliation/reconciliation-tables";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { Select } from "~/components/ui/select";
import { startReconciliation } from "~/api/reconciliations.server";
import { listCohorts } from "~/models/cohort.server";
import { waitingForDatabase } from "~/models/job-interruption.server";
import { listReconciliationJobs, progressOf, tableFreshness } from "~/models/reconciliation.server";
import { scopeLabel } from "~/models/reconciliation-cohort.server";
import { deleteSchedule, listSchedules, saveSchedule } from "~/models/reconciliation-schedule.server";
import { guardReconciliationTable } from "~/models/schema-guard.server";
import { listTables } from "~/reconciliation/catalog";
import { splitTableName } from "~/reconciliation/request";
import type { JobScope } from "~/reconciliation/types";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { redactError, sideSql } from "~/utils/databases.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const [jobs, freshness, schedules, cohorts, catalog] = await Promise.all([
    listReconciliationJobs(50),
    tableFreshness(),
    listSchedules(),
    listCohorts(),
    // the picker offers tables present on both sides; a failing side is shown, not hidden as an empty list
    Promise.all([listTables(sideSql("source")), listTables(sideSql("target"))]).then(
      ([s, t]) => ({ error: null as string | null, source: s, target: t }),
      (error) => ({ error: redactError(error), source: [], target: [] }),
    ),
  ]);
  const onTarget = new Set(catalog.target.map((t) => `${t.schema}.${t.name}`));
  const tables = catalog.source.map((t) => ({ name: `${t.schema}.${t.name}`, onBoth: onTarget.has(`${t.schema}.${t.name}`) }));
  return json({
    canStart: hasRole(user, "engineer"),
    catalogError: catalog.error ? String(catalog.error) : null,
    tables,
    cohorts: cohorts.map((c) => ({ id: c.id, name: c.name })),
    freshness,
    schedules: schedules.map((s) => ({
      table: `${s.schemaName}.${s.tableName}`,
      everyHours: s.everyHours,
      lastQueuedAt: s.lastQueuedAt,
      createdBy: s.createdBy,
    })),
    jobs: jobs.map((j) => ({
      id: j.id,
      table: `${j.schemaName}.${j.tableName}`,
      scope: scopeLabel(j.scopeKind, j.scopeCohort),
      mode: j.mode,
      status: j.status,
      waiting: waitingForDatabase("reconciliation", j) !== null,
      createdBy: j.createdBy,
      createdAt: j.createdAt,
      progress: progressOf(j),
      differences: j.missingInTarget + j.extraInTarget + j.valueMismatch,
    })),
  });
}

const newJobSchema = z.object({
  table: z.string().min(1, "pick a table"),
  /** "table", or a cohort's id: that cohort's rows through the user column. */
  scope: z.union([z.literal("table"), z.string().uuid("pick a cohort")]).default("table"),
  userColumn: z.string().trim().max(200).default(""),
  rowsPerSecond: z.preprocess((v) => (v === "" || v == null ? null : Number(v)), z.number().int().positive().nullable()),
  concurrency: z.coerce.number().int().min(1).max(16).default(2),
  reason: z.string().trim().min(1, "say why").max(500),
});

const scheduleSchema = z.object({
  intent: z.literal("schedule"),
  table: z.string().min(1, "pick a table"),
  everyHours: z.coerce
    .number()
    .int()
    .min(1, "at least 1 hour")
    .max(24 * 30, "at most 30 days"),
  reason: z.string().trim().min(1, "say why").max(500),
});

const unscheduleSchema = z.object({ intent: z.literal("unschedule"), table: z.string().min(1) });

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  if (form.intent === "schedule") {
    const parsed = scheduleSchema.safeParse(form);
    if (!parsed.success) return json({ intent: "schedule" as const, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
    const table = splitTableName(parsed.data.table);
    const guard = await guardReconciliationTable(table);
    if (!guard.ok) return json({ intent: "schedule" as const, errors: { table: [guard.message] } }, { status: 400 });
    await saveSchedule({ ...table, everyHours: parsed.data.everyHours }, userActor(user), parsed.data.reason);
    return json({ intent: "schedule" as const, errors: null });
  }
  if (form.intent === "unschedule") {
    const parsed = unscheduleSchema.safeParse(form);
    if (!parsed.success) return json({ intent: "unschedule" as const, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
    if (!(await deleteSchedule(splitTableName(parsed.data.table), userActor(user), "removed from the reconciliation page"))) {
      throw new Response("No such schedule", { status: 404 });
    }
    return json({ intent: "unschedule" as const, errors: null });
  }
  const parsed = newJobSchema.safeParse(form);
  if (!parsed.success) return json({ intent: "start" as const, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
  const input = parsed.data;
  if (input.scope !== "table" && !input.userColumn) {
    return json({ intent: "start" as const, errors: { userColumn: ["name the table's user id column"] } }, { status: 400 });
  }
  const scope: JobScope = input.scope === "table" ? { kind: "table" } : { kind: "cohort", cohortId: input.scope, column: input.userColumn };
  const started = await startReconciliation(
    { table: input.table, scope, mode: "verify", rowsPerSecond: input.rowsPerSecond, concurrency: input.concurrency, reason: input.reason, confirm: false },
    userActor(user),
  );
  if (!started.ok) return json({ intent: "start" as const, errors: pageFieldErrors(started.errors) }, { status: 400 });
  return redirect(`/reconciliations/${started.id}`);
}

/** The form names a cohort scope's column `userColumn`; the rest of its problems show under the scope. */
function pageFieldErrors(errors: Record<string, string[]>): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [field, messages] of Object.entries(errors)) {
    const key = field === "scope.column" ? "userColumn" : field.startsWith("scope.") ? "scope" : field === "ownerColumn" ? "table" : field;
    (out[key] ??= []).push(...messages);
  }
  return out;
}

export default function ReconciliationsPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors = (actionData?.intent === "start" && actionData.errors ? actionData.errors : {}) as Record<string, string[] | undefined>;
  const scheduleErrors = (actionData?.intent === "schedule" && actionData.errors ? actionData.errors : {}) as Record<string, string[] | undefined>;
  const busy = useNavigation().state === "submitting";
  return (
    <div className="space-y-6">
      <PageHeader title="Reconciliation" description="Compare whole tables across PostgreSQL and CockroachDB, and see when each was last verified clean." />
      {data.catalogError ? (
        <Banner tone="critical" title="Could not read the catalogs">
          {data.catalogError}
        </Banner>
      ) : null}
      {data.canStart ? (
        <Card title="New verify job">
          <Form method="post" className="grid gap-3 md:grid-cols-3">
            <label className="text-sm">
              <span className="block font-medium">Table</span>
              <Select name="table" aria-label="Table" className="mt-1 w-full" required>
                <option value="">Pick a table…</option>
                {data.tables.map((t) => (
                  <option key={t.name} value={t.name} disabled={!t.onBoth}>
                    {t.name}
                    {t.onBoth ? "" : " (missing on target)"}
                  </option>
                ))}
              </Select>
              {errors.table ? <span className="text-xs text-red-700">{errors.table[0]}</span> : null}
            </label>
            <label className="text-sm">
              <span className="block font-medium">Scope</span>
              <Select name="scope" aria-label="Scope" className="mt-1 w-full" defaultValue="table">
                <option value="table">Whole table</option>
                {data.cohorts.map((c) => (
                  <option key={c.id} value={c.id}>{`Cohort: ${c.name}`}</option>
                ))}
              </Select>
              {errors.scope ? <span className="text-xs text-red-700">{errors.scope[0]}</span> : null}
            </label>
            <Field label="User column (cohort scope)" name="userColumn" placeholder="user_id" error={errors.userColumn?.[0]} />
            <Field label="Rows per second cap" name="rowsPerSecond" type="number" min={1} placeholder="no cap" error={errors.rowsPerSecond?.[0]} />
            <Field label="Workers" name="concurrency" type="number" min={1} max={16} defaultValue={2} error={errors.concurrency?.[0]} />
            <Field label="Reason" name="reason" placeholder="why this run" error={errors.reason?.[0]} />
            <div className="md:col-span-3">
              <Button type="submit" disabled={busy}>
                Start verify job
              </Button>
            </div>
          </Form>
        </Card>
      ) : null}
      <Card title="Jobs">
        <ReconciliationJobTable jobs={data.jobs} />
      </Card>
      <Card title="Schedules">
        <ScheduleTable schedules={data.schedules} canRemove={data.canStart} busy={busy} />
        {data.canStart ? (
          <Form method="post" className="mt-4 grid gap-3 md:grid-cols-4">
            <input type="hidden" name="intent" value="schedule" />
            <label className="text-sm">
              <span className="block font-medium">Sweep</span>
              <Select name="table" aria-label="Sweep" className="mt-1 w-full" required>
                <option value="">Pick a table…</option>
                {data.tables
                  .filter((t) => t.onBoth)
                  .map((t) => (
                    <option key={t.name} value={t.name}>
                      {t.name}
                    </option>
                  ))}
              </Select>
              {scheduleErrors.table ? <span className="text-xs text-red-700">{scheduleErrors.table[0]}</span> : null}
            </label>
            <Field
              label="Every N hours"
              id="schedule-every-hours"
              name="everyHours"
              type="number"
              min={1}
              max={720}
              defaultValue={24}
              required
              error={scheduleErrors.everyHours?.[0]}
            />
            <Field label="Why sweep it" id="schedule-reason" name="reason" required placeholder="why sweep this table" error={scheduleErrors.reason?.[0]} />
            <div className="flex items-end">
              <Button type="submit" disabled={busy}>
                Save schedule
              </Button>
            </div>
          </Form>
        ) : null}
      </Card>
      <Card title="Freshness">
        <p className="mb-2 text-xs text-slate-500">
          A table is verified clean when a verify of the whole table finds no difference; a verify of a cohort&apos;s rows (a backfill&apos;s rounds) counts for
          that cohort&apos;s gate only. With an owner column, a row missing on the target whose owner's writes are not mirrored (nor the cohort copied) yet
          counts as not yet migrated, not as a mismatch.
        </p>
        <FreshnessTable rows={data.freshness} />
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
