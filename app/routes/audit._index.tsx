import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ChangeSummary } from "~/components/json-diff-inline";
import { Button } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page-header";
import { Time } from "~/components/ui/time";
import { listAudit, listAuditActions, resolveNames } from "~/models/audit.server";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Audit log · Cutover" }];

const optionalDate = z
  .string()
  .optional()
  .transform((v) => (v ? new Date(v) : undefined))
  .refine((d) => d === undefined || !Number.isNaN(d.getTime()), "not a date");

const FilterSchema = z.object({
  actor: z.string().trim().max(200).optional(),
  action: z.string().trim().max(200).optional(),
  entityType: z.string().trim().max(100).optional(),
  entityId: z.string().trim().max(300).optional(),
  from: optionalDate,
  to: optionalDate,
  before: z.coerce.number().int().positive().optional(),
});

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  const params = Object.fromEntries([...new URL(request.url).searchParams].filter(([, v]) => v !== ""));
  const parsed = FilterSchema.safeParse(params);
  if (!parsed.success) throw new Response(`Bad filter: ${parsed.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}`, { status: 400 });
  const [page, actions] = await Promise.all([listAudit(parsed.data), listAuditActions()]);
  const names = await resolveNames(page.rows.flatMap((r) => [r.entityId, r.before, r.after]));
  return json({ ...page, actions, names, now: Date.now() });
}

export default function AuditLog() {
  const { rows, nextBefore, actions, names, now } = useLoaderData<typeof loader>();
  const [params] = useSearchParams();
  const next = new URLSearchParams(params);
  if (nextBefore) next.set("before", String(nextBefore));
  return (
    <div>
      <PageHeader title="Audit log" description="Every change anyone made — who, when, what, before and after, and why." />
      <Form method="get" className="mb-4 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3 text-sm">
        <label className="flex flex-col gap-1">
          Actor
          <input name="actor" defaultValue={params.get("actor") ?? ""} className="rounded border border-slate-300 px-2 py-1" placeholder="email or token" />
        </label>
        <label className="flex flex-col gap-1">
          Action
          <select name="action" defaultValue={params.get("action") ?? ""} className="rounded border border-slate-300 px-2 py-1">
            <option value="">any</option>
            {actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </select>
        </label>
        <label className="flex flex-col gap-1">
          Entity
          <input name="entityType" defaultValue={params.get("entityType") ?? ""} className="rounded border border-slate-300 px-2 py-1" placeholder="cohort, mismatch…" />
        </label>
        <label className="flex flex-col gap-1">
          From
          <input type="datetime-local" name="from" defaultValue={params.get("from") ?? ""} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <label className="flex flex-col gap-1">
          To
          <input type="datetime-local" name="to" defaultValue={params.get("to") ?? ""} className="rounded border border-slate-300 px-2 py-1" />
        </label>
        <Button type="submit">Filter</Button>
        <Link to="/audit" className="text-sky-700 underline">
          Clear
        </Link>
      </Form>
      <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
        <table className="min-w-full text-sm">
          <thead className="bg-slate-50 text-left text-xs uppercase text-slate-500">
            <tr>
              <th className="px-3 py-2">When</th>
              <th className="px-3 py-2">Who</th>
              <th className="px-3 py-2">Action</th>
              <th className="px-3 py-2">Entity</th>
              <th className="px-3 py-2">Change</th>
              <th className="px-3 py-2">Reason</th>
            </tr>
          </thead>
          <tbody className="divide-y divide-slate-100">
            {rows.length === 0 ? (
              <tr>
                <td colSpan={6} className="px-3 py-6 text-center text-slate-500">
                  No changes match this filter.
                </td>
              </tr>
            ) : (
              rows.map((row) => (
                <tr key={row.id} className="align-top">
                  <td className="whitespace-nowrap px-3 py-2 text-slate-600">
                    <Time at={row.at} now={now} />
                  </td>
                  <td className="px-3 py-2">{row.actorLabel}</td>
                  <td className="px-3 py-2 font-mono text-xs">{row.action}</td>
                  <td className="px-3 py-2">
                    {row.entityType.replace(/_/g, " ")}
                    {row.entityId ? (
                      names[row.entityId] ? (
                        <span className="block text-xs text-slate-700" title={row.entityId}>{names[row.entityId]}</span>
                      ) : (
                        <span className="block break-all font-mono text-xs text-slate-500">{row.entityId}</span>
                      )
                    ) : null}
                  </td>
                  <td className="max-w-md px-3 py-2">
                    <ChangeSummary before={row.before} after={row.after} names={names} />
                  </td>
                  <td className="px-3 py-2 text-slate-700">{row.reason}</td>
                </tr>
              ))
            )}
          </tbody>
        </table>
      </div>
      {nextBefore ? (
        <div className="mt-3">
          <Link to={`?${next}`} className="text-sm text-sky-700 underline">
            Older changes →
          </Link>
        </div>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
