import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { getBoss } from "~/jobs/boss.server";
import { dispatchReconciliation } from "~/jobs/reconciliation.server";
import { createReconciliationJob, listReconciliationJobs, progressOf, tableFreshness } from "~/models/reconciliation.server";
import { listTables } from "~/reconciliation/catalog";
import { splitTableName } from "~/reconciliation/request";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { redactError, sideSql } from "~/utils/databases.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const [jobs, freshness, catalog] = await Promise.all([
    listReconciliationJobs(50),
    tableFreshness(),
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
    freshness,
    jobs: jobs.map((j) => ({ id: j.id, table: `${j.schemaName}.${j.tableName}`, mode: j.mode, status: j.status, createdBy: j.createdBy, createdAt: j.createdAt, progress: progressOf(j), differences: j.missingInTarget + j.extraInTarget + j.valueMismatch })),
  });
}

const newJobSchema = z.object({
  table: z.string().min(1, "pick a table"),
  rowsPerSecond: z.preprocess((v) => (v === "" || v == null ? null : Number(v)), z.number().int().positive().nullable()),
  concurrency: z.coerce.number().int().min(1).max(16).default(2),
  reason: z.string().trim().min(1, "say why").max(500),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const parsed = newJobSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return json({ errors: parsed.error.flatten().fieldErrors }, { status: 400 });
  const input = parsed.data;
  const id = await createReconciliationJob(
    { ...splitTableName(input.table), scope: { kind: "table" }, mode: "verify", rowsPerSecond: input.rowsPerSecond, concurrency: input.concurrency, reason: input.reason },
    userActor(user),
  );
  await dispatchReconciliation(await getBoss(), id, input.concurrency);
  return redirect(`/reconciliations/${id}`);
}

const TONE = { queued: "default", running: "info", succeeded: "ok", failed: "critical", cancelled: "warning" } as const;

export default function ReconciliationsPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const errors = (actionData && "errors" in actionData ? actionData.errors : {}) as Record<string, string[] | undefined>;
  const busy = useNavigation().state === "submitting";
  return (
    <div className="space-y-6">
      <PageHeader title="Reconciliation" description="Compare whole tables across PostgreSQL and CockroachDB, and see when each was last verified clean." />
      {data.catalogError ? <Banner tone="critical" title="Could not read the catalogs">{data.catalogError}</Banner> : null}
      {data.canStart ? (
        <Card title="New verify job">
          <Form method="post" className="grid gap-3 md:grid-cols-4">
            <label className="text-sm">
              <span className="block font-medium">Table</span>
              <select name="table" aria-label="Table" className="mt-1 w-full rounded border px-2 py-1" required>
                <option value="">Pick a table…</option>
                {data.tables.map((t) => (
                  <option key={t.name} value={t.name} disabled={!t.onBoth}>
                    {t.name}{t.onBoth ? "" : " (missing on target)"}
                  </option>
                ))}
              </select>
              {errors.table ? <span className="text-xs text-red-700">{errors.table[0]}</span> : null}
            </label>
            <Field label="Rows per second cap" name="rowsPerSecond" type="number" min={1} placeholder="no cap" error={errors.rowsPerSecond?.[0]} />
            <Field label="Workers" name="concurrency" type="number" min={1} max={16} defaultValue={2} error={errors.concurrency?.[0]} />
            <Field label="Reason" name="reason" placeholder="why this run" error={errors.reason?.[0]} />
            <div className="md:col-span-4">
              <Button type="submit" disabled={busy}>Start verify job</Button>
            </div>
          </Form>
        </Card>
      ) : null}
      <Card title="Jobs">
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-gray-500">
              <th className="py-1">Table</th><th>Status</th><th>Progress</th><th>Differences</th><th>Started by</th><th>Created</th>
            </tr>
          </thead>
          <tbody>
            {data.jobs.map((j) => (
              <tr key={j.id} className="border-t">
                <td className="py-1"><Link className="text-blue-700 underline" to={`/reconciliations/${j.id}`}>{j.table}</Link></td>
                <td><Badge tone={TONE[j.status]}>{j.status}</Badge></td>
                <td>{j.progress.percent}%</td>
                <td>{j.differences}</td>
                <td>{j.createdBy}</td>
                <td>{new Date(j.createdAt).toISOString().replace("T", " ").slice(0, 19)}</td>
              </tr>
            ))}
            {data.jobs.length === 0 ? <tr><td colSpan={6} className="py-2 text-gray-500">No reconciliation yet.</td></tr> : null}
          </tbody>
        </table>
      </Card>
      <Card title="Freshness">
        <table className="w-full text-sm">
          <thead><tr className="text-left text-gray-500"><th className="py-1">Table</th><th>Last verified clean</th><th>Last run</th></tr></thead>
          <tbody>
            {data.freshness.map((f) => (
              <tr key={`${f.schemaName}.${f.tableName}`} className="border-t">
                <td className="py-1">{f.schemaName}.{f.tableName}</td>
                <td>{f.verifiedAt ? new Date(f.verifiedAt).toISOString().slice(0, 19).replace("T", " ") : "never"}</td>
                <td>{f.lastRunAt ? new Date(f.lastRunAt).toISOString().slice(0, 19).replace("T", " ") : "—"}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
