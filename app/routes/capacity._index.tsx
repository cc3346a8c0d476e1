import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { useActionData, useLoaderData } from "@remix-run/react";
import { DiskSizeForm } from "~/components/health/disk-size-form";
import { LargestTables } from "~/components/health/largest-tables";
import { diskSizeFormSchema } from "~/health/disk-size";
import { UNKNOWN_DISK } from "~/health/summary";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { formatBytes, formatCount, formatDays, formatPercent } from "~/format/quantities";
import { SeriesChart } from "~/components/health/series-chart";
import { pivotSeries } from "~/components/health/series-rows";
import { StatusBadge } from "~/components/health/status-badge";
import { Banner } from "~/components/ui/banner";
import { Card, Stat } from "~/components/ui/card";
import { RangeTabs } from "~/components/health/range-tabs";
import { PageHeader } from "~/components/ui/page-header";
import { HEALTH_METRICS } from "~/health/series";
import { freeRatioStatus } from "~/health/status";
import { loadCapacityView, type CapacityView } from "~/models/capacity.server";
import { getHealthThresholds, healthSeries, saveHealthThresholds } from "~/models/health.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Capacity · Cutover" }];

const RANGES = { "48h": 48 * 3_600_000, "7d": 7 * 86_400_000, "30d": 30 * 86_400_000, "90d": 90 * 86_400_000 } as const;
type Range = keyof typeof RANGES;

function serializeView(view: CapacityView) {
  return {
    problem: view.problem,
    asOf: view.asOf?.toISOString() ?? null,
    capacity: view.capacity,
    summary: view.summary,
    commitsPerSecond: view.commitsPerSecond,
    walBytesPerSecond: view.walBytesPerSecond,
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const param = new URL(request.url).searchParams.get("range");
  const range: Range = param && param in RANGES ? (param as Range) : "7d";
  const now = new Date();
  const from = new Date(now.getTime() - RANGES[range]);
  const [source, target, sourceSeries, targetSeries] = await Promise.all([
    loadCapacityView("source"),
    loadCapacityView("target"),
    healthSeries("source", [HEALTH_METRICS.databaseBytes], from, now),
    healthSeries("target", [HEALTH_METRICS.storeUsed], from, now),
  ]);
  const toRows = (rows: typeof sourceSeries) => rows.map((r) => ({ subject: r.subject, at: r.at.toISOString(), value: r.value }));
  return json({
    range,
    canEdit: hasRole(user, "engineer"),
    thresholds: source.thresholds,
    source: serializeView(source),
    target: serializeView(target),
    sourceSeries: toRows(sourceSeries),
    targetSeries: toRows(targetSeries).map((r) => ({ ...r, subject: `store ${r.subject}` })),
  });
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  if (form.intent !== "disk-size") return json({ ok: false, errors: { form: ["Unknown action."] } as Record<string, string[] | undefined> }, { status: 400 });
  const parsed = diskSizeFormSchema.safeParse({ sourceDiskGiB: String(form.sourceDiskGiB ?? ""), reason: String(form.reason ?? "") });
  if (!parsed.success) return json({ ok: false, errors: parsed.error.flatten().fieldErrors as Record<string, string[] | undefined> }, { status: 400 });
  const current = await getHealthThresholds();
  await saveHealthThresholds({ ...current, sourceDiskBytes: parsed.data.sourceDiskGiB }, userActor(user), parsed.data.reason);
  return json({ ok: true, errors: {} as Record<string, string[] | undefined> });
}

export default function CapacityPage() {
  const data = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const { source, target, thresholds } = data;
  const targetCapacity = target.capacity;
  const sourceCapacity = source.capacity?.engine === "postgresql" ? source.capacity : null;
  const targetChart = pivotSeries(data.targetSeries);
  const sourceChart = pivotSeries(data.sourceSeries);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Capacity"
        description="Free space and growth on both sides, and how many days are left at the current trend."
        actions={<RangeTabs ranges={Object.keys(RANGES)} current={data.range} />}
      />
      {target.problem ? (
        <Banner tone="critical" title="Target health unavailable.">
          {target.problem}
        </Banner>
      ) : null}
      {targetCapacity && targetCapacity.engine !== "cockroachdb" ? (
        <Banner tone="warning" title="The target is not CockroachDB.">
          It answers as PostgreSQL, so there are no nodes or stores to show (a demo or staging setup).
        </Banner>
      ) : null}
      {targetCapacity?.engine === "cockroachdb" && target.summary ? (
        <Card title="Target: CockroachDB stores" actions={<StatusBadge status={target.summary.status} />}>
          <p className="mb-3 text-xs text-slate-500">
            Read from crdb_internal.kv_store_status and gossip_liveness. Checked only against a PostgreSQL stand-in of those tables, never against a live
            cluster.
          </p>
          {target.summary.deadNodes.length > 0 ? (
            <Banner tone="critical" title="Node down.">
              Liveness expired for node {target.summary.deadNodes.join(", ")}.
            </Banner>
          ) : null}
          <ul className="space-y-3">
            {target.summary.stores.map(({ store, status, daysToWarning, daysToCritical }) => {
              const node = targetCapacity.nodes.find((n) => n.nodeId === store.nodeId);
              return (
                <li key={store.storeId}>
                  <div className="flex flex-wrap items-baseline justify-between gap-2 text-sm">
                    <span className="font-medium">
                      {`Node ${store.nodeId} / store ${store.storeId}`} {node && !node.live ? <strong className="text-red-700">(not live)</strong> : null}
                      <span className="ml-2 text-xs text-slate-500">{store.locality}</span>
                    </span>
                    <span className="text-xs text-slate-600">
                      {formatBytes(store.usedBytes)} used, {formatBytes(store.availableBytes)} available of {formatBytes(store.capacityBytes)} ·{" "}
                      {formatCount(store.ranges)} ranges · {formatCount(store.leases)} leases · logical {formatBytes(store.logicalBytes)}
                    </span>
                  </div>
                  <div
                    className="mt-1 h-3 rounded bg-slate-100"
                    role="meter"
                    aria-label={`free space on store ${store.storeId}`}
                    aria-valuemin={0}
                    aria-valuemax={1}
                    aria-valuenow={store.availableRatio}
                  >
                    <div
                      className={`h-3 rounded ${status === "ok" ? "bg-emerald-500" : status === "warning" ? "bg-amber-500" : "bg-red-600"}`}
                      style={{ width: `${(1 - store.availableRatio) * 100}%` }}
                    />
                  </div>
                  <p className="mt-1 flex gap-2 text-xs text-slate-600">
                    <StatusBadge
                      status={freeRatioStatus(store.availableRatio, { warning: thresholds.freeRatioWarning, critical: thresholds.freeRatioCritical })}
                    />
                    {formatPercent(store.availableRatio)} free · under {formatPercent(thresholds.freeRatioWarning)} in {formatDays(daysToWarning)}, under{" "}
                    {formatPercent(thresholds.freeRatioCritical)} in {formatDays(daysToCritical)}
                  </p>
                </li>
              );
            })}
          </ul>
        </Card>
      ) : null}
      {targetCapacity?.engine === "cockroachdb" ? (
        <Card title="Target: used bytes per store">
          <SeriesChart rows={targetChart.rows} subjects={targetChart.subjects} format={(v) => formatBytes(v)} connectNulls={false} />
        </Card>
      ) : null}
      {source.problem ? (
        <Banner tone="critical" title="Source health unavailable.">
          {source.problem}
        </Banner>
      ) : null}
      {sourceCapacity ? (
        <>
          <div className="grid gap-4 md:grid-cols-4">
            <Stat label="Source database size" value={formatBytes(sourceCapacity.databaseBytes)} hint={sourceCapacity.database} />
            <Stat
              label="Runway to the disk size"
              value={source.summary?.worst?.unknown ? "unknown" : formatDays(source.summary?.databaseDaysToFull ?? null)}
              hint={
                source.summary?.worst?.unknown && source.summary.worst.unknown !== UNKNOWN_DISK
                  ? source.summary.worst.unknown
                  : thresholds.sourceDiskBytes
                    ? `disk ${formatBytes(thresholds.sourceDiskBytes)}, fit over ${thresholds.runwayWindowDays} days`
                    : "unknown until the disk size is set below"
              }
            />
            <Stat
              label="Connections"
              value={`${sourceCapacity.connections} / ${sourceCapacity.maxConnections}`}
              hint={`${sourceCapacity.reservedConnections} reserved for superusers`}
              tone={sourceCapacity.connections >= sourceCapacity.maxConnections - sourceCapacity.reservedConnections ? "critical" : "default"}
            />
            <Stat
              label="Commits / WAL"
              value={source.commitsPerSecond === null ? "—" : `${formatCount(source.commitsPerSecond)}/s`}
              hint={
                source.walBytesPerSecond === null
                  ? "needs two readings"
                  : `${formatBytes(source.walBytesPerSecond)}/s of WAL${sourceCapacity.inRecovery ? " (standby)" : ""}`
              }
            />
          </div>
          <DiskSizeForm bytes={thresholds.sourceDiskBytes} canEdit={data.canEdit} errors={result?.errors ?? {}} saved={Boolean(result?.ok)} />
          <Card title="Source: database size">
            <SeriesChart rows={sourceChart.rows} subjects={sourceChart.subjects} format={(v) => formatBytes(v)} connectNulls={false} />
          </Card>
          {sourceCapacity.tables.length ? (
            <Card title="Source: largest tables">
              <LargestTables tables={sourceCapacity.tables} />
            </Card>
          ) : null}
        </>
      ) : null}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
