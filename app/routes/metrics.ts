import type { LoaderFunctionArgs } from "@remix-run/node";
import { PROMETHEUS_CONTENT_TYPE } from "~/metrics/prometheus";
import { renderMetrics } from "~/metrics/providers.server";
import { requireApiToken } from "~/api/token-auth.server";

/** GET /metrics: Prometheus text; scrape with `authorization: { credentials: <token with metrics:read> }`. */
export async function loader({ request }: LoaderFunctionArgs) {
  await requireApiToken(request, "metrics:read");
  return new Response(await renderMetrics(), {
    headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" },
  });
}
