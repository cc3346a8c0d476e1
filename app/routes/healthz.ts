import type { LoaderFunctionArgs } from "@remix-run/node";
import { json } from "@remix-run/node";
import { getDatabaseStatuses } from "~/models/database-status.server";
import { authorizeApiToken } from "~/api/token-auth.server";
import { getSessionUser } from "~/utils/session.server";

// A load balancer needs the answer within its own timeout: a database that has not answered by then is down.
const PROBE_TIMEOUT_MS = 800;

/**
 * Liveness for load balancers: 200 while the control store answers, 503 with Retry-After when it does not
 * (source and target are reported, not fatal). Versions, latencies and errors describe the infrastructure, so
 * only a signed-in user or a token with metrics:read sees them; anyone else gets `{ ok }`.
 */
export async function loader({ request }: LoaderFunctionArgs) {
  const statuses = await getDatabaseStatuses({ fresh: true, timeoutMs: PROBE_TIMEOUT_MS });
  const ok = statuses.find((s) => s.name === "control")?.up === true;
  const headers: Record<string, string> = { "Cache-Control": "no-store", ...(ok ? {} : { "Retry-After": "5" }) };
  if (!ok || !(await isKnownCaller(request))) return json({ ok }, { status: ok ? 200 : 503, headers });
  const details = Object.fromEntries(
    statuses.map((s) => [s.name, { up: s.up, latencyMs: s.latencyMs, engine: s.engine?.engine ?? null, version: s.engine?.version ?? null, error: s.error }]),
  );
  return json({ ok, ...details }, { status: 200, headers });
}

async function isKnownCaller(request: Request): Promise<boolean> {
  if (request.headers.has("authorization")) {
    return "caller" in (await authorizeApiToken(request.headers.get("authorization"), "metrics:read"));
  }
  return (await getSessionUser(request)) !== null;
}
