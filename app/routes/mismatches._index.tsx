import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation, useSearchParams } from "@remix-run/react";
import type { RowSelectionState } from "@tanstack/react-table";
import { useState } from "react";
import { z } from "zod";
import { MISMATCH_KINDS, MISMATCH_ORIGINS, MISMATCH_STATUSES } from "~/mismatches/contract";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CohortRateChart, MismatchesPerHourChart, MismatchStatusChart } from "~/components/mismatches/mismatch-charts";
import { MismatchTable, type MismatchTableRow } from "~/components/mismatches/mismatch-table";
import { MismatchGroupTable } from "~/components/mismatches/mismatch-group-table";
import { SetAsideBatches } from "~/components/mismatches/set-aside-batches";
import { StatusChangeSelect } from "~/components/mismatches/status-change-select";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { cohortRatesAgainstBudget } from "~/models/comparison.server";
import { parseMismatchQuery } from "~/mismatches/query";
import { listMismatches, updateMismatches } from "~/models/mismatch.server";
import { listMismatchGroups, listMismatchTables, mismatchesPerHour, mismatchStatusCounts } from "~/models/mismatch-stats.server";
import { mismatchInboxBacklog } from "~/models/mismatch-fold.server";
import { discardSetAsideBatch, listSetAsideBatches, retrySetAsideBatch } from "~/models/mismatch-set-aside.server";
import { listUsers } from "~/models/user.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Select } from "~/components/ui/select";
import { Input } from "~/components/ui/input";
import { LinkButton } from "~/components/ui/link-button";

export const meta: MetaFunction = () => [{ title: "Mismatches · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const url = new URL(request.url);
  const query = parseMismatchQuery(url.searchParams);
  const view = url.searchParams.get("view") === "groups" ? "groups" : "list";
  const [page, groups, tables, perHour, statusCounts, cohortRates, users, backlog, setAside] = await Promise.all([
    view === "list" ? listMismatches(query) : null,
    view === "groups" ? listMismatchGroups({ table: query.table }) : null,
    listMismatchTables(),
    mismatchesPerHour(48),
    mismatchStatusCounts(),
    cohortRatesAgainstBudget(),
    hasRole(user, "engineer") ? listUsers() : Promise.resolve([]),
    mismatchInboxBacklog(),
    listSetAsideBatches(),
  ]);
  return json({
    view,
    page,
    groups,
    tables,
    perHour,
    statusCounts,
    cohortRates,
    backlog: { records: backlog.records, oldestAgeSeconds: Math.round(backlog.oldestAgeSeconds) },
    setAside,
    canEdit: hasRole(user, "engineer"),
    canDiscard: hasRole(user, "admin"),
    assignees: users.filter((u) => !u.disabled && hasRole(u, "support")).map((u) => ({ id: u.id, email: u.email })),
  });
}

const bulkSchema = z.object({
  intent: z.literal("bulk"),
  ids: z.array(z.coerce.number().int().positive()).min(1, "Select at least one mismatch").max(500),
  status: z.union([z.enum(MISMATCH_STATUSES), z.literal("")]).default(""),
  assignee: z.union([z.string().uuid(), z.literal("none"), z.literal("")]).default(""),
  note: z.string().trim().max(5_000).default(""),
});

const batchSchema = z.object({
  intent: z.enum(["retry-batch", "discard-batch"]),
  batchId: z.coerce.number().int().positive("Choose a set-aside batch"),
  reason: z.string().trim().max(2_000).default(""),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = await request.formData();
  if (String(form.get("intent")).endsWith("-batch")) return setAsideAction(user, form);
  const parsed = bulkSchema.safeParse({
    intent: form.get("intent"),
    ids: form.getAll("ids"),
    status: form.get("status") ?? "",
    assignee: form.get("assignee") ?? "",
    note: form.get("note") ?? "",
  });
  if (!parsed.success) return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors, changed: 0 }, { status: 400 });
  const { ids, status, assignee, note } = parsed.data;
  if (!status && !assignee && !note) {
    return json({ ok: false as const, errors: { status: ["Choose a status, an assignee or write a note"] }, changed: 0 }, { status: 400 });
  }
  const changed = await updateMismatches(userActor(user), ids, {
    status: status || undefined,
    assigneeId: assignee === "none" ? null : assignee || undefined,
    note: note || undefined,
  });
  return json({ ok: true as const, errors: {}, changed, notice: `Updated ${changed} mismatch${changed === 1 ? "" : "es"}.`, savedAt: Date.now() });
}

/** Retry (engineer) or discard (admin, with a reason) a batch the folders set aside. */
async function setAsideAction(user: Awaited<ReturnType<typeof requireRole>>, form: FormData) {
  const parsed = batchSchema.safeParse({ intent: form.get("intent"), batchId: form.get("batchId"), reason: form.get("reason") ?? "" });
  if (!parsed.success) return json({ ok: false as const, errors: parsed.error.flatten().fieldErrors, changed: 0 }, { status: 400 });
  const { intent, batchId, reason } = parsed.data;
  const gone = { ok: false as const, errors: { batchId: [`Batch ${batchId} is no longer set aside (retried or discarded meanwhile)`] }, changed: 0 };
  if (intent === "retry-batch") {
    if (!(await retrySetAsideBatch(userActor(user), batchId))) return json(gone, { status: 404 });
    return json({ ok: true as const, errors: {}, changed: 0, notice: `Batch ${batchId} is back in the inbox and will be folded shortly.` });
  }
  if (!hasRole(user, "admin")) {
    return json({ ok: false as const, errors: { batchId: ["Only an admin can discard a batch"] }, changed: 0 }, { status: 403 });
  }
  if (!reason) return json({ ok: false as const, errors: { reason: ["Say why its records are discarded"] }, changed: 0 }, { status: 400 });
  if (!(await discardSetAsideBatch(userActor(user), batchId, reason))) return json(gone, { status: 404 });
  return json({ ok: true as const, errors: {}, changed: 0, notice: `Batch ${batchId} was discarded.` });
}

function FilterSelect({ name, label, options, value }: { name: string; label: string; options: readonly string[]; value: string }) {
  return (
    <label className="flex flex-col text-xs font-medium text-slate-600">
      {label}
      <Select name={name} defaultValue={value} className="mt-1 text-sm">
        <option value="">any</option>
        {options.map((o) => (
          <option key={o} value={o}>
            {o.replaceAll("_", " ")}
          </option>
        ))}
      </Select>
    </label>
  );
}

function FilterInput({ name, label, value, type = "text" }: { name: string; label: string; value: string; type?: string }) {
  return (
    <label className="flex flex-col text-xs font-medium text-slate-600">
      {label}
      <Input name={name} type={type} defaultValue={value} className="mt-1 text-sm" />
    </label>
  );
}

export default function MismatchesPage() {
  const data = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const [params] = useSearchParams();
  const [selection, setSelection] = useState<RowSelectionState>({});
  const get = (name: string) => params.get(name) ?? "";
  const filterParams = new URLSearchParams(params);
  filterParams.delete("cursor");
  filterParams.delete("back");
  filterParams.delete("view");
  const withParams = (changes: Record<string, string | null>) => {
    const next = new URLSearchParams(params);
    for (const [k, v] of Object.entries(changes)) {
      if (v === null) next.delete(k);
      else next.set(k, v);
    }
    return `?${next.toString()}`;
  };

  return (
    <div>
      <PageHeader
        title="Mismatches"
        description="Every difference between PostgreSQL's and CockroachDB's answers, deduplicated by table, key and differing fields."
        actions={
          <>
            {/* Downloads: a document request, not a client-side navigation. */}
            <LinkButton reloadDocument to={`/mismatches/export?format=csv&${filterParams}`}>
              Export CSV
            </LinkButton>
            <LinkButton reloadDocument to={`/mismatches/export?format=json&${filterParams}`}>
              Export JSON
            </LinkButton>
            <LinkButton to="/mismatches/rules">Normalization rules</LinkButton>
          </>
        }
      />

      <Form method="get" className="mb-4 grid grid-cols-2 gap-3 rounded-lg border border-slate-200 bg-white p-3 md:grid-cols-5" aria-label="Filters">
        {data.view === "groups" ? <input type="hidden" name="view" value="groups" /> : null}
        {get("job") ? (
          <p className="col-span-full text-sm">
            <input type="hidden" name="job" value={get("job")} />
            Findings of reconciliation job{" "}
            <Link className="font-mono text-xs text-sky-700 hover:underline" to={`/reconciliations/${encodeURIComponent(get("job"))}`}>
              {get("job")}
            </Link>{" "}
            ·{" "}
            <Link className="text-sky-700 hover:underline" to={withParams({ job: null, cursor: null, back: null })}>
              all mismatches
            </Link>
          </p>
        ) : null}
        <FilterSelect name="status" label="Status" options={MISMATCH_STATUSES} value={get("status")} />
        <FilterSelect name="origin" label="Origin" options={MISMATCH_ORIGINS} value={get("origin")} />
        <FilterSelect name="kind" label="Kind" options={MISMATCH_KINDS} value={get("kind")} />
        <FilterSelect name="table" label="Table" options={data.tables} value={get("table")} />
        <FilterInput name="field" label="Differing field" value={get("field")} />
        <FilterInput name="cohort" label="Cohort id" value={get("cohort")} />
        <FilterInput name="userId" label="User id" value={get("userId")} />
        <FilterInput name="from" label="Last seen from" value={get("from")} type="datetime-local" />
        <FilterInput name="to" label="Last seen before" value={get("to")} type="datetime-local" />
        <label className="flex flex-col text-xs font-medium text-slate-600">
          Sort
          <Select name="sort" defaultValue={get("sort") || "last_seen"} className="mt-1 text-sm">
            <option value="last_seen">last seen</option>
            <option value="first_seen">first seen</option>
            <option value="occurrences">occurrences</option>
          </Select>
        </label>
        <div className="col-span-full flex gap-2">
          <Button type="submit">Apply filters</Button>
          <Link to="/mismatches" className="px-3 py-1.5 text-sm text-slate-600 hover:underline">
            Clear
          </Link>
        </div>
      </Form>

      <nav className="mb-3 flex gap-4 text-sm" aria-label="View">
        <Link to={withParams({ view: null, cursor: null })} className={data.view === "list" ? "font-semibold text-slate-900" : "text-sky-700"}>
          Records
        </Link>
        <Link to={withParams({ view: "groups", cursor: null })} className={data.view === "groups" ? "font-semibold text-slate-900" : "text-sky-700"}>
          Grouped by table and fields
        </Link>
      </nav>

      <SetAsideBatches {...data.setAside} canRetry={data.canEdit} canDiscard={data.canDiscard} />
      <InboxBacklog records={data.backlog.records} oldestAgeSeconds={data.backlog.oldestAgeSeconds} />
      {actionData && !actionData.ok ? (
        <Banner tone="critical" title="Nothing changed">
          {Object.values(actionData.errors).flat().join(" ")}
        </Banner>
      ) : null}
      {actionData?.ok ? <Banner tone="ok" title={actionData.notice} /> : null}

      {data.page ? (
        <Form method="post" key={`${get("cursor")}-${get("back")}-${actionData && "savedAt" in actionData ? actionData.savedAt : ""}`}>
          <input type="hidden" name="intent" value="bulk" />
          {data.canEdit ? (
            <fieldset className="mb-3 flex flex-wrap items-end gap-3 rounded-lg border border-slate-200 bg-white p-3" disabled={navigation.state !== "idle"}>
              <legend className="px-1 text-xs font-semibold text-slate-600">{`With ${Object.keys(selection).length} selected`}</legend>
              <label className="flex flex-col text-xs font-medium text-slate-600">
                Set status
                <StatusChangeSelect className="mt-1 text-sm" />
              </label>
              <label className="flex flex-col text-xs font-medium text-slate-600">
                Assign to
                <Select name="assignee" className="mt-1 text-sm" defaultValue="">
                  <option value="">(unchanged)</option>
                  <option value="none">nobody</option>
                  {data.assignees.map((u) => (
                    <option key={u.id} value={u.id}>
                      {u.email}
                    </option>
                  ))}
                </Select>
              </label>
              <label className="flex grow flex-col text-xs font-medium text-slate-600">
                Add a note
                <Input name="note" className="mt-1 text-sm" />
              </label>
              <Button type="submit">Apply to selected</Button>
            </fieldset>
          ) : null}
          <MismatchTable rows={data.page.rows as MismatchTableRow[]} selection={selection} onSelectionChange={setSelection} />
          <nav className="mt-3 flex gap-4 text-sm" aria-label="Pages">
            {data.page.prevCursor ? (
              <>
                <Link to={withParams({ cursor: null, back: null })} className="text-sky-700 hover:underline">
                  First page
                </Link>
                <Link to={withParams({ cursor: data.page.prevCursor, back: "1" })} className="text-sky-700 hover:underline">
                  Previous page
                </Link>
              </>
            ) : null}
            {data.page.nextCursor ? (
              <Link to={withParams({ cursor: data.page.nextCursor, back: null })} className="text-sky-700 hover:underline">
                Next page
              </Link>
            ) : null}
          </nav>
        </Form>
      ) : null}

      {data.groups ? <MismatchGroupTable rows={data.groups} /> : null}

      <div className="mt-6 grid gap-4 lg:grid-cols-3">
        <Card title="Occurrences per hour by origin (48 h)">
          <MismatchesPerHourChart points={data.perHour} />
        </Card>
        <Card title={data.statusCounts.estimated ? "Records by status (≈, from table statistics)" : "Records by status"}>
          <MismatchStatusChart counts={data.statusCounts.rows} />
        </Card>
        <Card title="Mismatch rate per cohort vs budget">
          <CohortRateChart rows={data.cohortRates} />
        </Card>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}

// Folding normally follows a report within a second (NOTIFY), and a sweep runs every minute: older means no worker.
const STALLED_FOLD_SECONDS = 120;

/** Records the API accepted (202) that the worker has not yet folded into triage: they exist, just not here yet. */
function InboxBacklog({ records, oldestAgeSeconds }: { records: number; oldestAgeSeconds: number }) {
  if (records === 0) return null;
  const what = `${records.toLocaleString("en")} reported record${records === 1 ? " is" : "s are"} still being folded in`;
  if (oldestAgeSeconds < STALLED_FOLD_SECONDS)
    return (
      <Banner tone="info" title={what}>
        (oldest received {oldestAgeSeconds} s ago).
      </Banner>
    );
  return (
    <Banner tone="warning" title={what}>
      The oldest was received {Math.round(oldestAgeSeconds / 60)} min ago: is a worker running (<code>npm run worker</code>, or <code>npm start</code>)? Nothing
      is lost; it is folded as soon as a worker runs.
    </Banner>
  );
}
