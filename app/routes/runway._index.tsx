import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { RunwayPlanner } from "~/components/runway/runway-planner";
import { Banner } from "~/components/ui/banner";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { Time } from "~/components/ui/time";
import { listRunwayProposals, loadPlannerBasis, saveRunwayProposal } from "~/models/runway-planner.server";
import { planMoves, runwayPlanSchema } from "~/runway/plan";
import { crossingMs } from "~/runway/projection";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Button } from "~/components/ui/button";
import { Input } from "~/components/ui/input";

export const meta: MetaFunction = () => [{ title: "Runway · Cutover" }];

const querySchema = z.object({
  share: z.coerce.number().min(1).max(100).default(50),
  margin: z.coerce.number().min(0).max(1000).default(200),
  horizon: z.coerce.number().int().min(7).max(365).default(90),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const parsed = querySchema.safeParse(Object.fromEntries(new URL(request.url).searchParams));
  if (!parsed.success) throw new Response("share is a percentage (1-100), margin in millions of XIDs (0-1000), horizon in days (7-365)", { status: 400 });
  const [planner, proposals] = await Promise.all([loadPlannerBasis(), listRunwayProposals()]);
  return json({
    ...planner,
    query: parsed.data,
    canPropose: hasRole(user, "engineer"),
    proposals: proposals.map((p) => ({
      id: p.id,
      createdAt: p.createdAt.toISOString(),
      createdBy: p.createdBy,
      reason: p.reason,
      projection: p.projection as { failsafeAtMs: number | null },
    })),
  });
}

const proposalSchema = z.object({ intent: z.literal("propose"), reason: z.string().trim().min(1, "say why").max(500), plan: z.string().max(100_000) });

/** Saves a what-if as a proposal (audited); the projection is recomputed here from the measured basis. */
export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = proposalSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!form.success) return json({ error: form.error.issues.map((i) => `${i.path.join(".")}: ${i.message}`).join("; ") }, { status: 400 });
  let raw: unknown;
  try {
    raw = JSON.parse(form.data.plan);
  } catch {
    return json({ error: "plan: not JSON" }, { status: 400 });
  }
  const plan = runwayPlanSchema.safeParse(raw);
  if (!plan.success) return json({ error: `plan: ${plan.error.issues.map((i) => `${i.path.join(".")} ${i.message}`).join("; ")}` }, { status: 400 });
  const planner = await loadPlannerBasis();
  if (!planner.basis) return json({ error: planner.problem ?? "no basis for a projection" }, { status: 409 });
  const failsafeAtMs = crossingMs(planner.basis, planMoves(plan.data, planner.cohorts), planner.basis.failsafeAge);
  const id = await saveRunwayProposal(userActor(user), plan.data, { failsafeAtMs, basis: planner.basis, rests: planner.rests }, form.data.reason);
  return json({ error: null, saved: id });
}

export default function RunwayPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  return (
    <div className="space-y-6">
      <PageHeader
        title="Runway planner"
        description="The source's XID age as write traffic leaves it: only target_only stops writing to the source (dual_write, shadow_read and target_primary still do). Assumes no freezing VACUUM completes."
      />
      <Form method="get" className="flex flex-wrap items-end gap-3 text-sm">
        <label className="flex flex-col">
          Share of writes (%)
          <Input name="share" type="number" min={1} max={100} defaultValue={data.query.share} className="w-24" />
        </label>
        <label className="flex flex-col">
          Margin (M XIDs)
          <Input name="margin" type="number" min={0} max={1000} defaultValue={data.query.margin} className="w-24" />
        </label>
        <label className="flex flex-col">
          Horizon (days)
          <Input name="horizon" type="number" min={7} max={365} defaultValue={data.query.horizon} className="w-24" />
        </label>
        <Button type="submit" variant="secondary">
          Update
        </Button>
      </Form>
      <p className="text-xs text-slate-500">
        Rests on: {data.rests.rate}; shares from {data.rests.shares}.
      </p>
      {result && "saved" in result && result.saved ? (
        <Banner tone="ok" title="Proposal saved.">
          It is in the audit log; the rollout is unchanged.
        </Banner>
      ) : null}
      {data.basis ? (
        <RunwayPlanner
          basis={data.basis}
          cohorts={data.cohorts}
          share={data.query.share / 100}
          marginXids={data.query.margin * 1e6}
          horizonDays={data.query.horizon}
          diskBytes={data.diskBytes}
          diskFullDays={data.diskFullDays}
          sizeRests={data.rests.size}
          canPropose={data.canPropose}
          error={result?.error ?? null}
        />
      ) : (
        <Banner tone="warning" title="No projection yet.">
          {data.problem}
        </Banner>
      )}
      {data.proposals.length ? (
        <Card title="Proposals">
          <ul className="divide-y divide-slate-100 text-sm">
            {data.proposals.map((p) => (
              <li key={p.id} className="py-2">
                <Time at={p.createdAt} /> by {p.createdBy}: {p.reason}
              </li>
            ))}
          </ul>
        </Card>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
