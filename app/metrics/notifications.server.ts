import type { MetricFamily } from "./prometheus";
import { controlSql } from "~/utils/db.server";

/** Cutover's own notifications: deliveries per destination and outcome, so a dead receiver is itself alertable. */
export async function notificationMetrics(): Promise<MetricFamily[]> {
  const rows = await controlSql()<{ destination: string; status: string; deliveries: number }[]>`
    select d.name as destination, s.status, coalesce(x.deliveries, 0)::float8 as deliveries
    from webhook_destinations d
    cross join (values ('pending'), ('delivered'), ('failed')) s(status)
    left join (select destination_id, status, count(*) as deliveries from webhook_deliveries group by 1, 2) x
      on x.destination_id = d.id and x.status = s.status`;
  return [
    {
      name: "cutover_webhook_deliveries",
      help: "Webhook deliveries per destination and state (pending: queued or waiting for a retry)",
      type: "gauge",
      samples: rows.map((r) => ({ labels: { destination: r.destination, status: r.status }, value: r.deliveries })),
    },
  ];
}
