import { basisDetail } from "~/rollout/population";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json, redirect } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { CohortFields } from "~/components/rollout/cohort-fields";
import { CohortTable } from "~/components/rollout/cohort-table";
import { Ladder } from "~/components/rollout/ladder";
import { Banner } from "~/components/ui/banner";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { PageHeader } from "~/components/ui/page-header";
import { listCohorts } from "~/models/cohort.server";
import { createCohort } from "~/rollout/cohort-change.server";
import { RolloutError } from "~/models/rollout-error.server";
import { loadRungCounts } from "~/models/rung-counts.server";
import { clearEmergency, loadRuleset, setEmergency } from "~/models/ruleset.server";
import { cohortFormSchema, fieldErrors } from "~/rollout/cohort-form";
import { MODE_LABELS, MODES } from "~/rollout/modes";
import { rampStatus } from "~/rollout/ramp";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Select } from "~/components/ui/select";

export const meta: MetaFunction = () => [{ title: "Cohorts · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const now = Date.now();
  const [cohorts, ruleset, counts] = await Promise.all([listCohorts(), loadRuleset(), loadRungCounts(now)]);
  return json({
    canEdit: hasRole(user, "engineer"),
    ruleset: {
      version: ruleset.version,
      defaultMode: ruleset.defaultMode,
      emergency: ruleset.emergency,
    },
    counts: {
      rungs: counts.rungs,
      basis: counts.basis,
      emergency: counts.emergency,
      error: counts.error,
    },
    cohorts: cohorts.map((c) => ({
      id: c.id,
      name: c.name,
      priority: c.priority,
      mode: c.mode,
      percentBasisPoints: c.percentBasisPoints,
      constraints: c.constraints,
      version: c.version,
      ramp:
        c.rampSteps && c.rampEveryHours
          ? rampStatus({ steps: c.rampSteps, everyHours: c.rampEveryHours }, c.percentBasisPoints, c.rampClockAt.getTime(), now)
          : null,
    })),
  });
}

const emergencySchema = z.object({
  mode: z.enum(MODES),
  reason: z.string().trim().min(1, "a reason is required"),
  confirmed: z.literal("on", {
    errorMap: () => ({ message: "confirm that everyone moves at once" }),
  }),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  const actor = userActor(user);
  try {
    if (form.intent === "create") {
      const parsed = cohortFormSchema.safeParse(form);
      if (!parsed.success) return json({ intent: "create", errors: fieldErrors(parsed.error) }, { status: 400 });
      const { input, reason, confirmed } = parsed.data;
      const cohort = await createCohort(input, {
        actor,
        reason,
        confirmed,
        isAdmin: hasRole(user, "admin"),
      });
      return redirect(`/cohorts/${cohort.id}`);
    }
    if (form.intent === "emergency-set") {
      const parsed = emergencySchema.safeParse(form);
      if (!parsed.success) return json({ intent: "emergency", errors: fieldErrors(parsed.error) }, { status: 400 });
      await setEmergency(parsed.data.mode, parsed.data.reason, actor);
      return json({ intent: "emergency", errors: {} });
    }
    if (form.intent === "emergency-clear") {
      const reason = String(form.reason ?? "").trim();
      if (!reason) return json({ intent: "emergency", errors: { reason: "a reason is required" } }, { status: 400 });
      await clearEmergency(reason, actor);
      return json({ intent: "emergency", errors: {} });
    }
  } catch (error) {
    if (error instanceof RolloutError) return json({ intent: String(form.intent), errors: { form: error.message } }, { status: error.status });
    throw error;
  }
  return json({ intent: "unknown", errors: { form: "Unknown action." } }, { status: 400 });
}

export default function CohortsPage() {
  const { canEdit, ruleset, counts, cohorts } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const busy = useNavigation().state !== "idle";
  const errors: Record<string, string> = actionData?.errors ?? {};
  return (
    <div className="space-y-6">
      <PageHeader title="Cohorts" description={`Ruleset version ${ruleset.version} · default mode ${MODE_LABELS[ruleset.defaultMode]}`} />
      <Card title="The migration ladder">
        {counts.error ? (
          <Banner tone="warning" title="Shares unavailable">
            {counts.error}
          </Banner>
        ) : null}
        <Ladder distribution={counts.rungs} exact={counts.basis.kind === "exact"} />
        <p className="mt-2 text-xs text-slate-500">
          <Badge tone={counts.basis.kind === "exact" ? "ok" : "warning"}>{counts.basis.kind}</Badge> {basisDetail(counts.basis)} (the users table is chosen in
          Settings).
        </p>
      </Card>
      <Card title="Cohorts (evaluated in priority order)">
        <CohortTable rows={cohorts} />
      </Card>
      {canEdit ? (
        <Card title="Emergency switch">
          <p className="mb-2 text-sm text-slate-600">Sends everyone, pinned users included, to one mode at once.</p>
          {ruleset.emergency ? (
            <Form method="post" className="flex items-end gap-2">
              <input type="hidden" name="intent" value="emergency-clear" />
              <Field label="Reason for clearing" name="reason" error={actionData?.intent === "emergency" ? errors.reason : undefined} disabled={!canEdit} />
              <Button type="submit" disabled={!canEdit || busy}>
                Clear the emergency switch
              </Button>
            </Form>
          ) : (
            <Form method="post" className="flex flex-wrap items-end gap-2">
              <input type="hidden" name="intent" value="emergency-set" />
              <label className="text-sm">
                <span className="block font-medium">Mode for everyone</span>
                <Select name="mode" defaultValue="source_only" disabled={!canEdit}>
                  {MODES.map((m) => (
                    <option key={m} value={m}>
                      {MODE_LABELS[m]}
                    </option>
                  ))}
                </Select>
              </label>
              <Field label="Reason" name="reason" disabled={!canEdit} error={actionData?.intent === "emergency" ? errors.reason : undefined} />
              <label className="flex items-center gap-1 text-sm">
                <input type="checkbox" name="confirmed" disabled={!canEdit} /> I confirm: everyone moves now
              </label>
              <Button type="submit" variant="danger" disabled={!canEdit || busy}>
                Pull the emergency switch
              </Button>
              {actionData?.intent === "emergency" && errors.confirmed ? <p className="text-xs text-red-700">{errors.confirmed}</p> : null}
            </Form>
          )}
        </Card>
      ) : (
        <Card title="Emergency switch">
          <p className="text-sm text-slate-600">
            {ruleset.emergency ? `On: everyone is on ${MODE_LABELS[ruleset.emergency.mode]}.` : "Off: the cohorts decide."} Engineers can pull or clear it.
          </p>
        </Card>
      )}
      {canEdit ? (
        <Card title="New cohort">
          <Form method="post" className="space-y-3">
            <input type="hidden" name="intent" value="create" />
            <CohortFields errors={actionData?.intent === "create" ? errors : {}} disabled={!canEdit} />
            <Field label="Reason" name="reason" disabled={!canEdit} error={actionData?.intent === "create" ? errors.reason : undefined} />
            {actionData?.intent === "create" && errors.form ? (
              <Banner tone="critical" title="Not created">
                {errors.form}
              </Banner>
            ) : null}
            <Button type="submit" disabled={!canEdit || busy}>
              Create cohort
            </Button>
          </Form>
        </Card>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
