import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useActionData, useLoaderData, useNavigation } from "@remix-run/react";
import { AgeGauge } from "~/components/health/age-gauge";
import { CollectorGaps } from "~/components/health/collector-gaps";
import { formatCount } from "~/format/quantities";
import { SeriesChart } from "~/components/health/series-chart";
import { pivotSeries } from "~/components/health/series-rows";
import { StatusBadge } from "~/components/health/status-badge";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { useRevalidateEvery } from "~/components/use-revalidate-every";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { RangeTabs } from "~/components/health/range-tabs";
import { PageHeader } from "~/components/ui/page-header";
import { BlockersTable, type BlockerRow } from "~/components/health/blockers-table";
import { OldestTables } from "~/components/health/oldest-tables";
import { XidHorizons } from "~/components/health/xid-horizons";
import { rankBlockers } from "~/health/blocker-ranking";
import { blockerAdvice, blockerLabel } from "~/health/blockers";
import type { XidBlocker } from "~/health/xid-snapshot";
import { HEALTH_METRICS } from "~/health/series";
import { healthThresholdsSchema } from "~/health/thresholds";
import { formatRunway } from "~/health/xid-forecast";
import { DEFAULT_FREEZE_SETTINGS, XID_STOP_AGE, XID_WARNING_AGE, effectiveFailsafeAge, type FreezeSettings } from "~/health/xid-limits";
import { getHealthThresholds, healthSeries, saveHealthThresholds } from "~/models/health.server";
import { loadXidView } from "~/models/xid.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";

export const meta: MetaFunction = () => [{ title: "Wraparound · Cutover" }];

const RANGES = { "6h": 6 * 3_600_000, "48h": 48 * 3_600_000, "30d": 30 * 86_400_000, "90d": 90 * 86_400_000 } as const;
type Range = keyof typeof RANGES;

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const param = new URL(request.url).searchParams.get("range");
  const range: Range = param && param in RANGES ? (param as Range) : "48h";
  const now = Date.now();
  const [view, series] = await Promise.all([loadXidView(), healthSeries("source", [HEALTH_METRICS.xidAge], new Date(now - RANGES[range]), new Date(now))]);
  const xid = view.xid;
  return json({
    range,
    canEdit: hasRole(user, "engineer"),
    problem: view.problem,
    asOf: view.asOf?.toISOString() ?? null,
    xidRate: view.xidRate,
    thresholds: view.thresholds,
    settings: xid?.settings ?? null,
    failsafeAge: xid ? effectiveFailsafeAge(xid.settings) : null,
    summary: view.summary,
    blockers: blockerRows(xid?.blockers ?? [], xid?.settings ?? DEFAULT_FREEZE_SETTINGS, view.xidRate),
    vacuums: xid?.vacuums ?? [],
    unavailable: xid?.unavailable ?? [],
    series: series.map((r) => ({ subject: r.subject, at: r.at.toISOString(), value: r.peak })),
  });
}

function blockerRows(blockers: XidBlocker[], settings: FreezeSettings, xidRate: number | null) {
  const ranking = rankBlockers(blockers, settings, xidRate);
  return {
    rows: ranking.shown.map(({ blocker: b, own, runwayCostHours }, i): BlockerRow => ({
      key: `${b.kind}-${i}`,
      label: blockerLabel(b),
      own,
      age: b.age,
      runwayCostHours,
      since: b.kind === "backend" ? (b.transactionStart ?? b.queryStart) : b.kind === "prepared_transaction" ? b.prepared : null,
      query: b.kind === "backend" ? b.query : null,
      advice: own
        ? `Cutover's own session (${b.kind === "backend" ? b.application : ""}): it ends by itself; if it lasts, look at the job it belongs to.`
        : blockerAdvice(b),
    })),
    folded: ranking.folded,
    following: ranking.following,
    meaningfulAge: ranking.meaningfulAge,
  };
}

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const form = Object.fromEntries(await request.formData());
  const current = await getHealthThresholds();
  // The disk size is set on the Capacity page: this form leaves it as it is.
  const parsed = healthThresholdsSchema.safeParse({ ...current, ...form, sourceDiskBytes: current.sourceDiskBytes });
  if (!parsed.success) return json({ ok: false, errors: parsed.error.flatten().fieldErrors }, { status: 400 });
  await saveHealthThresholds(parsed.data, userActor(user), typeof form.reason === "string" && form.reason ? form.reason : null);
  return json({ ok: true, errors: {} as Record<string, string[] | undefined> });
}

export default function WraparoundPage() {
  const data = useLoaderData<typeof loader>();
  useRevalidateEvery(30_000);
  const { summary, settings } = data;
  const marks = settings
    ? [
        { label: "autovacuum_freeze_max_age", age: settings.autovacuumFreezeMaxAge },
        ...(data.failsafeAge ? [{ label: "failsafe", age: data.failsafeAge }] : []),
        { label: "warning zone", age: XID_WARNING_AGE },
      ]
    : [];
  const chart = pivotSeries(data.series);
  const horizons = { rateKnown: data.xidRate !== null, hasFailsafe: data.failsafeAge !== null };
  return (
    <div className="space-y-6">
      <PageHeader
        title="Wraparound"
        description="Transaction ID age on the source PostgreSQL: how long until autovacuum is forced, the failsafe kicks in, and writes stop."
        actions={<RangeTabs ranges={Object.keys(RANGES)} current={data.range} />}
      />
      {data.problem ? (
        <Banner tone="critical" title="Source health unavailable.">
          {data.problem}
          {data.asOf ? ` Figures below are from ${data.asOf}.` : ""}
        </Banner>
      ) : null}
      <CollectorGaps unavailable={data.unavailable} />
      {summary ? (
        <>
          <div className="grid gap-4 md:grid-cols-4">
            <Stat
              label="Worst runway"
              value={formatRunway(summary.worst?.runwayHours ?? null, summary.rateKnown)}
              hint={summary.worst?.sentence}
              tone={summary.status === "ok" ? "ok" : summary.status === "warning" ? "warning" : "critical"}
            />
            <Stat
              label="XID rate"
              value={data.xidRate === null ? "—" : `${formatCount(data.xidRate)}/s`}
              hint={data.xidRate === null ? "needs two readings" : `${formatCount(data.xidRate * 86_400)} per day`}
            />
            <Stat
              label="Oldest database age"
              value={formatCount(Math.max(0, ...summary.databases.map((d) => d.xidAge)))}
              hint={`status thresholds ${formatCount(data.thresholds.xidAgeWarning)} / ${formatCount(data.thresholds.xidAgeCritical)}`}
            />
            <Stat
              label="Failsafe age"
              value={data.failsafeAge ? formatCount(data.failsafeAge) : "none (before PostgreSQL 14)"}
              hint={settings ? `autovacuum_freeze_max_age ${formatCount(settings.autovacuumFreezeMaxAge)}` : undefined}
            />
          </div>
          <Card title="Databases">
            <div className="space-y-4">
              {summary.databases.map((d) => (
                <div key={d.name}>
                  <AgeGauge name={d.name} age={d.xidAge} status={d.status} marks={marks} />
                  <p className="mt-1 flex items-center gap-2 text-xs text-slate-600">
                    <StatusBadge status={d.status} /> {d.sentence}; multixact age {formatCount(d.mxidAge)}
                  </p>
                  <p className="mt-1 text-xs text-slate-600">
                    <XidHorizons forecast={d.forecast} {...horizons} />
                  </p>
                </div>
              ))}
            </div>
          </Card>
        </>
      ) : null}
      <Card title="Age over time">
        <SeriesChart
          rows={chart.rows}
          subjects={chart.subjects}
          format={formatCount}
          connectNulls={false}
          limits={[
            ...(settings ? [{ label: "forced autovacuum", value: settings.autovacuumFreezeMaxAge, color: "#64748b" }] : []),
            ...(data.failsafeAge ? [{ label: "failsafe", value: data.failsafeAge, color: "#d97706" }] : []),
            { label: "stop", value: XID_STOP_AGE },
          ]}
        />
      </Card>
      <Card title="What holds freezing back">
        <BlockersTable
          rows={data.blockers.rows}
          folded={data.blockers.folded}
          following={data.blockers.following}
          meaningfulAge={data.blockers.meaningfulAge}
        />
      </Card>
      <Card title="Running vacuums">
        {data.vacuums.length === 0 ? (
          <p className="text-sm text-slate-500">No VACUUM is running.</p>
        ) : (
          <ul className="space-y-2 text-sm">
            {data.vacuums.map((v) => {
              const progress = v.heapBlocksTotal > 0 ? v.heapBlocksScanned / v.heapBlocksTotal : 0;
              return (
                <li key={v.pid}>
                  <div className="flex justify-between">
                    <span>
                      {v.database}: {v.relation} {v.antiWraparound ? <strong>(to prevent wraparound)</strong> : null}
                    </span>
                    <span className="text-xs text-slate-500">
                      {v.phase}, {Math.round(progress * 100)}% scanned, {v.indexVacuumCount} index passes
                    </span>
                  </div>
                  <progress className="w-full" max={1} value={progress} aria-label={`vacuum of ${v.relation}`} />
                </li>
              );
            })}
          </ul>
        )}
      </Card>
      {summary ? (
        <Card title="Oldest tables">
          <OldestTables tables={summary.tables} catalogs={summary.catalogs} horizons={horizons} />
        </Card>
      ) : null}
      <ThresholdsForm />
    </div>
  );
}

function ThresholdsForm() {
  const { thresholds, canEdit } = useLoaderData<typeof loader>();
  const result = useActionData<typeof action>();
  const navigation = useNavigation();
  const errors = result && !result.ok ? result.errors : {};
  const fields: { name: keyof typeof thresholds; label: string }[] = [
    { name: "xidAgeWarning", label: "XID age warning" },
    { name: "xidAgeCritical", label: "XID age critical" },
    { name: "gateXidFailsafeHours", label: "Gate: minimum hours to failsafe" },
    { name: "freeRatioWarning", label: "Store free ratio warning" },
    { name: "freeRatioCritical", label: "Store free ratio critical" },
    { name: "gateMinFreeRatio", label: "Gate: minimum store free ratio" },
    { name: "runwayWindowDays", label: "Capacity runway window (days)" },
  ];
  // A viewer reads the thresholds; a form it cannot submit would only be noise.
  if (!canEdit) {
    return (
      <Card title="Thresholds">
        <dl className="grid gap-x-6 gap-y-1 text-sm md:grid-cols-2">
          {fields.map((f) => (
            <div key={f.name} className="flex justify-between gap-3 border-b border-slate-100 py-1">
              <dt className="text-slate-500">{f.label}</dt>
              <dd className="tabular-nums">{typeof thresholds[f.name] === "number" ? Number(thresholds[f.name]).toLocaleString("en") : "not set"}</dd>
            </div>
          ))}
        </dl>
        <p className="mt-2 text-xs text-slate-500">Engineers change these, with a reason in the audit log.</p>
      </Card>
    );
  }
  return (
    <Card title="Thresholds">
      <Form method="post" className="grid gap-3 md:grid-cols-4">
        {fields.map((f) => (
          <Field
            key={f.name}
            name={f.name}
            label={f.label}
            defaultValue={thresholds[f.name] ?? ""}
            disabled={!canEdit}
            error={(errors as Record<string, string[] | undefined>)[f.name]?.[0]}
          />
        ))}
        <Field name="reason" label="Reason (audit log)" disabled={!canEdit} />
        <div className="flex items-end">
          <Button type="submit" disabled={!canEdit || navigation.state !== "idle"}>
            Save thresholds
          </Button>
        </div>
        {result?.ok ? (
          <p role="status" className="text-sm text-emerald-700">
            Saved.
          </p>
        ) : null}
      </Form>
    </Card>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
