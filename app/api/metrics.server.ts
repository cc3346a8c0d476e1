import { PROMETHEUS_CONTENT_TYPE } from "~/metrics/prometheus";
import { renderMetrics } from "~/metrics/providers.server";
import { authorizeApiToken } from "./token-auth.server";
import type { ApiAnswer } from "./answer.server";

/** GET /metrics: Prometheus text for a token with metrics:read (the route and the node-native fast path alike). */
export async function metricsAnswer(authorization: string | null | undefined): Promise<ApiAnswer> {
  const result = await authorizeApiToken(authorization, "metrics:read");
  if ("denied" in result) return result.denied;
  return { status: 200, headers: { "Content-Type": PROMETHEUS_CONTENT_TYPE, "Cache-Control": "no-store" }, body: await renderMetrics() };
}
