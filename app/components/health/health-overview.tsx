import { Link } from "@remix-run/react";
import { Card, Stat } from "~/components/ui/card";
import type { HealthStatus } from "~/health/status";
import { formatRunway } from "~/health/xid-forecast";
import type { HealthOverview } from "~/models/health-overview.server";
import { formatDays } from "~/format/quantities";
import { STATUS_TONE } from "./status-badge";

function tone(status: HealthStatus) {
  return STATUS_TONE[status];
}

/** The Overview's database-health section; data from loadHealthOverview(). */
export function HealthOverviewCard({ health }: { health: HealthOverview }) {
  return (
    <Card title="Database health" className="lg:col-span-2">
      <div className="grid gap-3 sm:grid-cols-2">
        <Stat
          label="XID runway (source)"
          value={health.xid.status === "down" ? "down" : formatRunway(health.xid.runwayHours, health.xid.rateKnown)}
          hint={
            <Link className="underline" to="/wraparound">
              {health.xid.problem ?? health.xid.sentence ?? "no reading yet"}
            </Link>
          }
          tone={tone(health.xid.status)}
        />
        <Stat
          label="Capacity runway"
          value={
            health.capacity.status === "down" && health.capacity.days === null
              ? "down"
              : health.capacity.days === null && health.capacity.unknown
                ? "unknown"
                : formatDays(health.capacity.days)
          }
          hint={
            <Link className="underline" to="/capacity">
              {health.capacity.problem ??
                ([
                  health.capacity.subject && health.capacity.days !== null ? `${health.capacity.side}: ${health.capacity.subject}` : null,
                  health.capacity.unknown,
                ]
                  .filter(Boolean)
                  .join("; ") ||
                  "no trend yet")}
            </Link>
          }
          tone={tone(health.capacity.status)}
        />
      </div>
    </Card>
  );
}
