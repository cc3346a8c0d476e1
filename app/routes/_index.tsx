import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useLoaderData } from "@remix-run/react";
import { DatabaseStatusBanner } from "~/components/database-status-banner";
import { DatabaseStatusList } from "~/components/database-status-list";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { getDatabaseStatuses } from "~/models/database-status.server";
import { loadHealthOverview } from "~/models/health-overview.server";
import { HealthOverviewCard } from "~/components/health/health-overview";
import { DemoTrafficCard } from "~/components/overview/demo-traffic-card";
import { getSimulatorMinutes, getSimulatorSettings, simulatorSettingsSchema, updateSimulatorSettings } from "~/simulator/simulator.server";
import { getEnv } from "~/utils/env.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { RolloutProgressCard } from "~/components/rollout/rollout-progress";
import { loadRolloutOverview } from "~/models/rollout-progress.server";
import { MismatchSummaryCard } from "~/components/overview/mismatch-summary-card";
import { loadMismatchOverview } from "~/models/mismatch-overview.server";
import { SchemaDriftCard } from "~/components/overview/schema-drift-card";
import { loadSchemaParityOverview } from "~/models/schema-parity.server";
import { PerformanceSummaryCard } from "~/components/overview/performance-summary-card";
import { loadPerformanceSummary } from "~/models/performance.server";
import { RunwayCard } from "~/components/overview/runway-card";
import { loadRunwayOverview } from "~/models/runway-planner.server";

export const meta: MetaFunction = () => [{ title: "Overview · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const demo = getEnv().CUTOVER_DEMO;
  const [statuses, health, simulator, traffic, rollout, mismatches, performance] = await Promise.all([
    getDatabaseStatuses(),
    loadHealthOverview(),
    demo ? getSimulatorSettings() : null,
    demo ? getSimulatorMinutes({ minutes: 60 }) : null,
    loadRolloutOverview(),
    loadMismatchOverview(),
    loadPerformanceSummary(),
  ]);
  const [schemaDrift, runway] = await Promise.all([loadSchemaParityOverview(), loadRunwayOverview()]);
  return json({ statuses, health, simulator, traffic, rollout, mismatches, schemaDrift, runway, performance, canControlSimulator: hasRole(user, "engineer") });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  if (form.intent !== "simulator") throw new Response("Unknown action.", { status: 400 });
  const parsed = simulatorSettingsSchema.safeParse(form);
  if (!parsed.success) return json({ errors: parsed.error.flatten().fieldErrors }, { status: 400 });
  await updateSimulatorSettings(userActor(user), parsed.data, parsed.data.status === "paused" ? "paused from the overview" : "resumed from the overview");
  return json({ errors: null });
}

export default function Overview() {
  const { statuses, health, simulator, traffic, rollout, mismatches, schemaDrift, runway, performance, canControlSimulator } = useLoaderData<typeof loader>();
  return (
    <div>
      <PageHeader title="Overview" description="Where the migration stands: who is on which database, what differs, and how much runway is left." />
      <DatabaseStatusBanner statuses={statuses} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Databases" className="lg:col-span-1">
          <DatabaseStatusList statuses={statuses} />
        </Card>
        <HealthOverviewCard health={health} />
        <MismatchSummaryCard summary={mismatches} />
        <SchemaDriftCard drift={schemaDrift} />
        <PerformanceSummaryCard summary={performance} />
        <RunwayCard runway={runway} />
        {simulator && traffic ? (
          <DemoTrafficCard
            minutes={traffic}
            status={simulator.status}
            operationsPerSecond={simulator.operationsPerSecond}
            canControl={canControlSimulator}
            switchedAt={simulator.updatedAt}
          />
        ) : null}
      </div>
      <div className="mt-4">
        <RolloutProgressCard progress={rollout.progress} counts={rollout.counts} />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
