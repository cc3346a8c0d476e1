import { json } from "@remix-run/node";
import { getDatabaseStatuses } from "~/models/database-status.server";

/** Liveness for load balancers: 200 while the control store answers (source/target state is reported, not fatal). */
export async function loader() {
  const statuses = await getDatabaseStatuses({ fresh: true });
  const control = statuses.find((s) => s.name === "control");
  const body = Object.fromEntries(
    statuses.map((s) => [s.name, { up: s.up, latencyMs: s.latencyMs, engine: s.engine?.engine ?? null, version: s.engine?.version ?? null, error: s.error }]),
  );
  return json({ ok: control?.up === true, ...body }, { status: control?.up ? 200 : 503, headers: { "Cache-Control": "no-store" } });
}
