import type { LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { ComingSoon } from "~/components/coming-soon";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { requireRole } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Wraparound · Cutover" }];

export async function loader({ request }: LoaderFunctionArgs) {
  await requireRole(request, "viewer");
  return json({});
}

export default function Page() {
  return (
    <ComingSoon title="Wraparound" issue="database health issue">
      XID wraparound age and its runway on PostgreSQL.
    </ComingSoon>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
