import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
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
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Overview · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  const [statuses, health] = await Promise.all([getDatabaseStatuses(), loadHealthOverview()]);
  return json({ statuses, health });
}

export default function Overview() {
  const { statuses, health } = useLoaderData<typeof loader>();
  return (
    <div>
      <PageHeader title="Overview" description="Where the migration stands: who is on which database, what differs, and how much runway is left." />
      <DatabaseStatusBanner statuses={statuses} />
      <div className="grid gap-4 lg:grid-cols-3">
        <Card title="Databases" className="lg:col-span-1">
          <DatabaseStatusList statuses={statuses} />
        </Card>
        <HealthOverviewCard health={health} />
      </div>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
