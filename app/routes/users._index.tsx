import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { ComingSoon } from "~/components/coming-soon";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Users · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  return json({});
}

export default function Page() {
  return (
    <ComingSoon title="Users" issue="cohort rollout issue">
      Look up one user's database assignment.
    </ComingSoon>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
