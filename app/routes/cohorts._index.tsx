import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { ComingSoon } from "~/components/coming-soon";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Cohorts · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  return json({});
}

export default function Page() {
  return (
    <ComingSoon title="Cohorts" issue="cohort rollout issue">
      Which users take which path, moved forward and back with gates, previews and an audit trail.
    </ComingSoon>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
