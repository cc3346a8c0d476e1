import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { MISMATCH_ORIGINS, MISMATCH_STATUSES } from "~/mismatches/contract";
import { primaryKeyLabel } from "~/normalization/primary-key";
import type { FieldDiff, IgnoredField } from "../normalization/types";
import { RowDiff } from "~/components/diff/row-diff";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { ORIGIN_LABEL, STATUS_TONE } from "~/components/mismatches/mismatch-table";
import { StatusChangeSelect } from "~/components/mismatches/status-change-select";
import { Badge } from "~/components/ui/badge";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { ChangeSummary } from "~/components/json-diff-inline";
import { getMismatch, updateMismatches } from "~/models/mismatch.server";
import { resolveNames } from "~/models/audit.server";
import { Time } from "~/components/ui/time";
import { recheckMismatch } from "~/models/mismatch-recheck.server";
import { applyMismatchRepair, planMismatchRepair } from "~/models/reconciliation-repair.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Input, TextArea } from "~/components/ui/input";

export const meta: MetaFunction<typeof loader> = ({ data }) => [{ title: `Mismatch #${data?.mismatch.id ?? ""} · Cutover` }];

function parseId(raw: string | undefined): number {
  const id = Number(raw);
  if (!Number.isSafeInteger(id) || id <= 0) throw new Response("Mismatch not found", { status: 404 });
  return id;
}

export async function loader({ request, params }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const mismatch = await getMismatch(parseId(params.mismatchId));
  if (!mismatch) throw new Response("Mismatch not found", { status: 404 });
  const names = await resolveNames(mismatch.history.flatMap((h) => [h.before, h.after]));
  return json({ mismatch, names, canEdit: hasRole(user, "engineer"), canRecheck: hasRole(user, "support") });
}

const updateSchema = z.object({
  intent: z.literal("update"),
  status: z.union([z.enum(MISMATCH_STATUSES), z.literal("")]),
  note: z.string().trim().max(5_000),
});

const repairSchema = z.object({
  digest: z.string().regex(/^[0-9a-f]{64}$/, "plan the repair first"),
  confirm: z.literal("on", { errorMap: () => ({ message: "confirm that the target row will be changed" }) }),
  reason: z.string().trim().min(1, "say why").max(500),
});

export async function action({ request, params }: ActionFunctionArgs) {
  const id = parseId(params.mismatchId);
  const form = await request.formData();
  if (form.get("intent") === "plan-repair" || form.get("intent") === "apply-repair") {
    // Repair writes the source's row to the target: engineers only, a dry run first, then a confirmed apply.
    const user = await requireRole(request, "engineer");
    if (form.get("intent") === "plan-repair") return json({ intent: "plan-repair" as const, repairPreview: await planMismatchRepair(id) });
    const parsed = repairSchema.safeParse(Object.fromEntries(form));
    if (!parsed.success) return json({ intent: "apply-repair" as const, repairErrors: parsed.error.flatten().fieldErrors }, { status: 400 });
    const outcome = await applyMismatchRepair(id, userActor(user), parsed.data.reason, parsed.data.digest);
    const mismatch = await getMismatch(id);
    // re-check the key through the triage page's own comparison, under today's rules
    const recheck = mismatch ? await recheckMismatch(mismatch.table, mismatch.primaryKey) : null;
    return json({ intent: "apply-repair" as const, repairOutcome: outcome, recheck, errors: null });
  }
  if (form.get("intent") === "recheck") {
    // Re-checking only reads both databases: support may do it, it changes nothing.
    await requireRole(request, "support");
    const mismatch = await getMismatch(id);
    if (!mismatch) throw new Response("Mismatch not found", { status: 404 });
    const result = await recheckMismatch(mismatch.table, mismatch.primaryKey);
    return json({ intent: "recheck" as const, recheck: result, errors: null });
  }
  const user = await requireRole(request, "engineer");
  const parsed = updateSchema.safeParse({ intent: form.get("intent"), status: form.get("status") ?? "", note: form.get("note") ?? "" });
  if (!parsed.success) return json({ intent: "update" as const, recheck: null, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
  if (!parsed.data.status && !parsed.data.note) {
    return json({ intent: "update" as const, recheck: null, errors: { status: ["Choose a status or write a note"] } }, { status: 400 });
  }
  const changed = await updateMismatches(userActor(user), [id], { status: parsed.data.status || undefined, note: parsed.data.note || undefined });
  if (changed === 0) throw new Response("Mismatch not found", { status: 404 });
  return json({ intent: "update" as const, recheck: null, errors: null, savedAt: Date.now() });
}

function asRow(value: unknown): Record<string, unknown> | null {
  if (value === null || value === undefined) return null;
  return typeof value === "object" && !Array.isArray(value) ? (value as Record<string, unknown>) : { value };
}

export default function MismatchDetailPage() {
  const { mismatch, names, canEdit, canRecheck } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const navigation = useNavigation();
  const comparison = mismatch.comparison;
  const recheck = actionData && "recheck" in actionData ? actionData.recheck : null;
  const repairPreview = actionData && "repairPreview" in actionData ? actionData.repairPreview : null;
  const repairOutcome = actionData && "repairOutcome" in actionData ? actionData.repairOutcome : null;
  const repairErrors = actionData && "repairErrors" in actionData ? actionData.repairErrors : null;
  return (
    <div>
      <p className="mb-2 text-sm">
        <Link to="/mismatches" className="text-sky-700 hover:underline">
          ← Mismatches
        </Link>
      </p>
      <PageHeader
        title={`Mismatch #${mismatch.id}`}
        description={
          <>
            <span className="font-mono">{mismatch.table}</span> key <span className="font-mono">{primaryKeyLabel(mismatch.primaryKey)}</span> —{" "}
            {mismatch.kind.replaceAll("_", " ")}, {mismatch.origin.replaceAll("_", " ")}, seen {mismatch.occurrences.toLocaleString("en")} time
            {mismatch.occurrences === 1 ? "" : "s"} (first <Time at={mismatch.firstSeenAt} />, last <Time at={mismatch.lastSeenAt} />)
          </>
        }
        actions={<Badge tone={STATUS_TONE[mismatch.status] ?? "default"}>{mismatch.status}</Badge>}
      />
      {actionData && "errors" in actionData && actionData.errors ? (
        <Banner tone="critical" title="Nothing changed">
          {Object.values(actionData.errors).flat().join(" ")}
        </Banner>
      ) : null}
      {repairErrors ? (
        <Banner tone="critical" title="Not repaired">
          {Object.values(repairErrors).flat().join(" ")}
        </Banner>
      ) : null}
      {repairOutcome ? (
        <Banner tone={repairOutcome.remaining ? "warning" : "ok"} title={repairOutcome.applied ? "Target row repaired from the source" : "Nothing to repair"}>
          {`${repairOutcome.applied} change applied; ${repairOutcome.remaining ? "the row still differs" : "the re-verify found the row equal"}.`}
        </Banner>
      ) : null}
      {recheck ? (
        <Banner
          tone={recheck.stillDiffers ? "warning" : "ok"}
          title={
            recheck.stillDiffers
              ? `Still differs: ${recheck.comparison.kind?.replaceAll("_", " ")} ${recheck.comparison.differingFields.join(", ")}`
              : "The row no longer differs"
          }
        >
          {`Read from both databases at ${recheck.checkedAt}; source row ${recheck.sourceFound ? "found" : "absent"}, target row ${recheck.targetFound ? "found" : "absent"}.`}
        </Banner>
      ) : null}

      <div className="grid gap-4 lg:grid-cols-3">
        <div className="lg:col-span-2">
          <Card title="Source and target">
            <RowDiff
              source={asRow(mismatch.sourceValue)}
              target={asRow(mismatch.targetValue)}
              fieldDiffs={(comparison?.fieldDiffs ?? []) as FieldDiff[]}
              ignored={(comparison?.ignored ?? []) as IgnoredField[]}
            />
            {canRecheck ? (
              <Form method="post" className="mt-3">
                <input type="hidden" name="intent" value="recheck" />
                <Button type="submit" variant="secondary" disabled={navigation.state !== "idle"}>
                  Re-check now
                </Button>
              </Form>
            ) : null}
          </Card>
        </div>
        <div className="space-y-4">
          <Card title="Details">
            <dl className="grid grid-cols-3 gap-1 text-sm">
              <dt className="text-slate-500">Seen by</dt>
              <dd className="col-span-2">
                <ul aria-label="Occurrences per origin">
                  {MISMATCH_ORIGINS.map((origin) => (
                    <li key={origin}>{`${ORIGIN_LABEL[origin]}: ${mismatch.occurrencesByOrigin[origin].toLocaleString("en")}`}</li>
                  ))}
                </ul>
              </dd>
              <dt className="text-slate-500">User</dt>
              <dd className="col-span-2">{mismatch.userId ?? "—"}</dd>
              <dt className="text-slate-500">Cohort</dt>
              <dd className="col-span-2">
                {mismatch.cohortName && mismatch.cohortId ? (
                  <Link className="text-sky-700 hover:underline" to={`/cohorts/${mismatch.cohortId}`}>
                    {mismatch.cohortName}
                  </Link>
                ) : (
                  (mismatch.cohortId ?? "—")
                )}
              </dd>
              <dt className="text-slate-500">Fingerprint</dt>
              <dd className="col-span-2 break-all font-mono text-xs">{mismatch.fingerprint ?? "—"}</dd>
              <dt className="text-slate-500">Assignee</dt>
              <dd className="col-span-2">{mismatch.assigneeEmail ?? "—"}</dd>
              <dt className="text-slate-500">Ignored by rule</dt>
              <dd className="col-span-2 font-mono text-xs">{mismatch.ignoredByRuleId ?? "—"}</dd>
              <dt className="text-slate-500">Reconciliation job</dt>
              <dd className="col-span-2 font-mono text-xs">{mismatch.reconciliationJobId ?? "—"}</dd>
            </dl>
          </Card>
          {canEdit && mismatch.kind !== "write_error" && mismatch.status !== "repaired" ? (
            <Card title="Repair">
              <p className="text-sm text-slate-600">Writes the source&apos;s row to the target for this key. The dry run shows the change first.</p>
              <Form method="post" className="mt-2">
                <input type="hidden" name="intent" value="plan-repair" />
                <Button type="submit" variant="secondary" disabled={navigation.state !== "idle"}>
                  Plan repair
                </Button>
              </Form>
              {repairPreview ? (
                <div className="mt-3 space-y-2 text-sm">
                  {repairPreview.plan.actions.length === 0 ? (
                    <p>The rows match again: nothing to repair.</p>
                  ) : (
                    <>
                      <ul className="space-y-1" aria-label="Repair plan">
                        {repairPreview.plan.actions.map((a) => (
                          <li key={JSON.stringify(a.key)} className="break-all font-mono text-xs">
                            {a.action} {JSON.stringify(a.keyObject)}
                            {a.action === "delete"
                              ? ""
                              : `: ${Object.entries(a.values)
                                  .map(([c, v]) => `${c} = ${v ?? "NULL"}`)
                                  .join("; ")}`}
                          </li>
                        ))}
                      </ul>
                      <Form method="post" className="space-y-2 rounded border border-red-200 bg-red-50 p-2">
                        <input type="hidden" name="intent" value="apply-repair" />
                        <input type="hidden" name="digest" value={repairPreview.digest} />
                        <label className="flex items-center gap-2 font-medium">
                          <input type="checkbox" name="confirm" required />I want this change written to the target
                        </label>
                        <label className="flex flex-col font-medium text-slate-700">
                          Reason
                          <Input name="reason" required className="mt-1" />
                        </label>
                        <Button type="submit" variant="danger" disabled={navigation.state !== "idle"}>
                          Apply repair
                        </Button>
                      </Form>
                    </>
                  )}
                </div>
              ) : null}
            </Card>
          ) : null}
          {canEdit ? (
            <Card title="Triage">
              {/* A new key after each save empties the note and resets the status picker. */}
              <Form method="post" className="space-y-2" key={actionData && "savedAt" in actionData ? String(actionData.savedAt) : "triage"}>
                <input type="hidden" name="intent" value="update" />
                <label className="flex flex-col text-sm font-medium text-slate-700">
                  Status
                  <StatusChangeSelect className="mt-1" />
                </label>
                {/* Not just "Note": the Notes card below is a region of that name, and a screen reader lists both. */}
                <label className="flex flex-col text-sm font-medium text-slate-700">
                  Add a note
                  <TextArea name="note" rows={3} aria-describedby="triage-note-hint" className="mt-1" />
                </label>
                <p id="triage-note-hint" className="text-xs text-slate-500">
                  A note on its own leaves the status as it is.
                </p>
                <Button type="submit" disabled={navigation.state !== "idle"}>
                  Save
                </Button>
              </Form>
            </Card>
          ) : null}
          <Card title="Notes">
            {mismatch.notes.length === 0 ? <p className="text-sm text-slate-500">No notes yet.</p> : null}
            <ul className="space-y-2 text-sm">
              {mismatch.notes.map((n) => (
                <li key={n.id}>
                  <p className="whitespace-pre-wrap">{n.body}</p>
                  <p className="text-xs text-slate-500">
                    {n.authorLabel}, <Time at={n.createdAt} />
                  </p>
                </li>
              ))}
            </ul>
          </Card>
          <Card title="History">
            {mismatch.history.length === 0 ? <p className="text-sm text-slate-500">No changes yet.</p> : null}
            <ul className="space-y-2 text-sm">
              {mismatch.history.map((h) => (
                <li key={h.id}>
                  <p className="text-xs text-slate-500">
                    <Time at={h.at} /> · {h.actorLabel} · {h.action}
                  </p>
                  <ChangeSummary before={h.before} after={h.after} names={names} />
                </li>
              ))}
            </ul>
          </Card>
        </div>
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
