import type postgres from "postgres";
import type { HealthStatus } from "~/health/status";
import { worstStatus } from "~/health/status";
import { loadCapacityView } from "~/models/capacity.server";
import { loadXidView } from "~/models/xid.server";
import { controlSql } from "~/utils/db.server";

export interface HealthOverview {
  xid: { status: HealthStatus; runwayHours: number | null; rateKnown: boolean; sentence: string | null; problem: string | null };
  capacity: {
    status: HealthStatus;
    days: number | null;
    subject: string | null;
    side: "source" | "target" | null;
    problem: string | null;
    /** Set when a side's runway cannot be known (no disk size, too few readings): the Overview must not say "no shortage". */
    unknown: string | null;
  };
}

/** The Overview's "database health" section: the worst XID runway and the shortest capacity runway. */
export async function loadHealthOverview(sql: postgres.Sql = controlSql()): Promise<HealthOverview> {
  const [xid, source, target] = await Promise.all([loadXidView(sql), loadCapacityView("source", sql), loadCapacityView("target", sql)]);
  const sides = [source, target].filter((v) => v.summary?.worst);
  const shortest = sides.sort((a, b) => (a.summary!.worst!.days ?? Infinity) - (b.summary!.worst!.days ?? Infinity))[0];
  const unknownSide = [source, target].find((v) => v.summary?.worst?.unknown);
  const capacityProblems = [source, target].filter((v) => v.problem && (v.stale || !v.latest?.ok)).map((v) => v.problem!);
  return {
    xid: {
      status: xid.summary ? (xid.problem && !xid.latest?.ok ? "down" : xid.summary.status) : xid.latest && !xid.latest.ok ? "down" : "ok",
      runwayHours: xid.summary?.worst?.runwayHours ?? null,
      rateKnown: xid.summary?.rateKnown ?? false,
      sentence: xid.summary?.worst?.sentence ?? null,
      problem: xid.problem,
    },
    capacity: {
      status: worstStatus([...[source, target].map((v) => v.summary?.status ?? "ok"), ...(capacityProblems.length ? (["down"] as const) : [])]),
      days: shortest?.summary?.worst?.days ?? null,
      subject: shortest?.summary?.worst?.subject ?? null,
      side: shortest?.side ?? null,
      problem: capacityProblems[0] ?? null,
      unknown: unknownSide ? `${unknownSide.side}: ${unknownSide.summary!.worst!.unknown}` : null,
    },
  };
}
