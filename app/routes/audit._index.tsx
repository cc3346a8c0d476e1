import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { AuditTable } from "~/components/audit/audit-table";
import { Button } from "~/components/ui/button";
import { PageHeader } from "~/components/ui/page-header";
import { listAudit, listAuditActions, resolveNames } from "~/models/audit.server";
import { requireRole } from "~/utils/auth.server";
import { Select } from "~/components/ui/select";
import { Input } from "~/components/ui/input";
import { collectIdsInText } from "~/audit/change-summary";

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
  const idsInReasons = [...collectIdsInText(page.rows.map((r) => r.reason))];
  const names = await resolveNames([...page.rows.flatMap((r) => [r.entityId, r.before, r.after]), ...idsInReasons]);
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
          <Input name="actor" defaultValue={params.get("actor") ?? ""} placeholder="email or token" />
        </label>
        <label className="flex flex-col gap-1">
          Action
          <Select name="action" defaultValue={params.get("action") ?? ""}>
            <option value="">any</option>
            {actions.map((a) => (
              <option key={a}>{a}</option>
            ))}
          </Select>
        </label>
        <label className="flex flex-col gap-1">
          Entity
          <Input name="entityType" defaultValue={params.get("entityType") ?? ""} placeholder="cohort, mismatch…" />
        </label>
        <label className="flex flex-col gap-1">
          From
          <Input type="datetime-local" name="from" defaultValue={params.get("from") ?? ""} />
        </label>
        <label className="flex flex-col gap-1">
          To
          <Input type="datetime-local" name="to" defaultValue={params.get("to") ?? ""} />
        </label>
        <Button type="submit">Filter</Button>
        <Link to="/audit" className="text-sky-700 underline">
          Clear
        </Link>
      </Form>
      <AuditTable rows={rows} names={names} now={now} />
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
