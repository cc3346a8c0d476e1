import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { ComingSoon } from "~/components/coming-soon";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Reconciliation · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  return json({});
}

export default function Page() {
  return (
    <ComingSoon title="Reconciliation" issue="reconciliation jobs issue">
      Compare, and repair, whole tables across both databases.
    </ComingSoon>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
