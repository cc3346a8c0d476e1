import type { LoaderFunctionArgs } from "@remix-run/node";
import { answerResponse } from "~/api/answer.server";
import { metricsAnswer } from "~/api/metrics.server";

/**
 * GET /metrics: Prometheus text; scrape with `authorization: { credentials: <token with metrics:read> }`. The web
 * server answers it on its fast path (app/api-fast-path.server.ts); this route answers what reaches Remix.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  return answerResponse(await metricsAnswer(request.headers.get("authorization")));
}
