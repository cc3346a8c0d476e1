import { Badge } from "~/components/ui/badge";
import type { Tone } from "~/components/ui/card";
import type { HealthStatus } from "~/health/status";

export const STATUS_TONE: Record<HealthStatus, Tone> = { ok: "ok", warning: "warning", critical: "critical", down: "critical" };

export function StatusBadge({ status }: { status: HealthStatus }) {
  return <Badge tone={STATUS_TONE[status]}>{status}</Badge>;
}
