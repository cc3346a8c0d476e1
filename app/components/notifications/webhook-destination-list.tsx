import { Form } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Time } from "~/components/ui/time";

export interface WebhookAttemptRow {
  deliveryId: number;
  eventType: string;
  summary: string;
  deliveryStatus: string;
  attempt: number;
  at: string;
  httpStatus: number | null;
  error: string | null;
  durationMs: number;
}

export interface WebhookDestinationRow {
  id: string;
  name: string;
  url: string;
  format: string;
  secretPrefix: string;
  allowPrivateAddresses: boolean;
  enabled: boolean;
  createdBy: string;
  createdAt: string;
  pending: number;
  attempts: WebhookAttemptRow[];
}

/** What became of a delivery whose attempt failed: retried later, still to retry, or given up after the last. */
const ERROR_OUTCOME: Record<string, string> = { pending: "will retry", delivered: "retried", failed: "gave up" };

function ActionButton({
  id,
  intent,
  label,
  name,
  busy,
  variant = "secondary",
}: {
  id: string;
  intent: string;
  label: string;
  name: string;
  busy: boolean;
  variant?: "secondary" | "primary";
}) {
  return (
    <Form method="post">
      <input type="hidden" name="intent" value={intent} />
      <input type="hidden" name="id" value={id} />
      <Button variant={variant} type="submit" disabled={busy} aria-label={`${label} ${name}`}>
        {label}
      </Button>
    </Form>
  );
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, WebhookAttemptRow>();
// Module scope: v9 recomputes models whenever columns change identity.
const attemptColumns = helper.columns([
  helper.accessor("at", { header: "When", cell: ({ row }) => <Time at={row.original.at} /> }),
  helper.accessor("eventType", { header: "Event", cell: ({ row }) => <span title={row.original.summary}>{row.original.eventType}</span> }),
  helper.accessor("attempt", { header: "Attempt", cell: ({ row }) => `#${row.original.attempt}` }),
  helper.accessor("error", {
    header: "Result",
    cell: ({ row: { original: a } }) =>
      a.error === null ? (
        <Badge tone="ok">{`${a.httpStatus} delivered`}</Badge>
      ) : (
        <span>
          <Badge tone={a.deliveryStatus === "failed" ? "critical" : "warning"}>{ERROR_OUTCOME[a.deliveryStatus] ?? a.deliveryStatus}</Badge>{" "}
          <span className="text-slate-600">{a.error}</span>
        </span>
      ),
  }),
]);

/** One destination's delivery log: every attempt, newest first. */
function DeliveryLogTable({ name, attempts }: { name: string; attempts: WebhookAttemptRow[] }) {
  const table = useTable({ features, columns: attemptColumns, data: attempts, getRowId: (row) => `${row.deliveryId}-${row.attempt}` });
  return <DataTableView table={table} variant="plain" dense label={`Delivery log of ${name}`} empty="No delivery yet." />;
}

/** Each destination with its buttons and its delivery log (every attempt, newest first). */
export function WebhookDestinationList({ destinations, busy }: { destinations: WebhookDestinationRow[]; busy: boolean }) {
  if (destinations.length === 0) {
    return (
      <Card title="Destinations">
        <p className="text-sm text-slate-600">No destination yet: Cutover notifies nobody.</p>
      </Card>
    );
  }
  return (
    <div className="space-y-4">
      {destinations.map((d) => (
        <Card
          key={d.id}
          title={d.name}
          actions={
            <span className="flex gap-2">
              {d.enabled ? <Badge tone="ok">enabled</Badge> : <Badge>disabled</Badge>}
              {d.pending ? <Badge tone="info">{d.pending} queued</Badge> : null}
            </span>
          }
        >
          <dl className="mb-3 grid grid-cols-[8rem_1fr] gap-x-3 gap-y-1 text-sm">
            <dt className="text-slate-500">URL</dt>
            <dd className="break-all font-mono text-xs">{d.url}</dd>
            <dt className="text-slate-500">Body</dt>
            <dd>{d.format === "slack" ? "Slack-compatible" : "Generic JSON"}</dd>
            <dt className="text-slate-500">Secret</dt>
            <dd className="font-mono text-xs">{d.secretPrefix}… (not shown again)</dd>
            <dt className="text-slate-500">Private addresses</dt>
            <dd>{d.allowPrivateAddresses ? "allowed by an admin" : "refused"}</dd>
            <dt className="text-slate-500">Created</dt>
            <dd>
              <Time at={d.createdAt} /> by {d.createdBy}
            </dd>
          </dl>
          <div className="mb-3 flex flex-wrap gap-2">
            <ActionButton id={d.id} intent="test" label="Send test" name={d.name} busy={busy} variant="primary" />
            <ActionButton id={d.id} intent={d.enabled ? "disable" : "enable"} label={d.enabled ? "Disable" : "Enable"} name={d.name} busy={busy} />
            <ActionButton id={d.id} intent="delete" label="Delete" name={d.name} busy={busy} />
          </div>
          <DeliveryLogTable name={d.name} attempts={d.attempts} />
        </Card>
      ))}
    </div>
  );
}
