import { Form } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useCallback, useMemo, useState, type ReactNode } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { SeriesChart } from "~/components/health/series-chart";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { absoluteTime } from "~/format/time";
import { formatBytes, formatCount, formatDays } from "~/format/quantities";
import { formatRunway } from "~/health/xid-forecast";
import { planMoves, scheduledRampMoves, type CohortRamp, type RunwayPlanInput } from "~/runway/plan";
import { crossingMs, deadlineForShare, projectSource, sourceWriteShare, type RunwayBasis, type ShareDeadline, type TargetOnlyMove } from "~/runway/projection";
import { Input } from "~/components/ui/input";

interface Cohort {
  id: string;
  name: string;
  mode: "source_only" | "dual_write" | "shadow_read" | "target_primary" | "target_only";
  basisPoints: number;
  writeShareNow: number;
  writeShareFull: number;
  ramp: CohortRamp | null;
}

const DAY = 86_400_000;
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const day = (ms: number) => absoluteTime(ms).slice(0, 10);

/** A cohort's move in the what-if: its target-only day from now (none: not planned) and its percentage. */
interface PlannedMove {
  days: number | null;
  percent: number;
}

type WhatIfRow = Cohort & { move: PlannedMove };
const features = tableFeatures({});
const helper = createColumnHelper<typeof features, WhatIfRow>();

function whatIfColumns({
  nowMs,
  horizonDays,
  onPlanChange,
}: {
  nowMs: number;
  horizonDays: number;
  onPlanChange: (id: string, change: Partial<PlannedMove>) => void;
}) {
  return helper.columns([
    helper.accessor("name", { header: "Cohort", meta: { cellClassName: "py-2 font-medium" } }),
    helper.accessor("mode", { header: "Now", cell: ({ row }) => `${row.original.mode} ${row.original.basisPoints / 100}%` }),
    helper.accessor("writeShareNow", {
      header: "Share of writes (now / at 100%)",
      cell: ({ row }) => `${pct(row.original.writeShareNow)} / ${pct(row.original.writeShareFull)}`,
    }),
    helper.display({
      id: "days",
      header: "Target-only in",
      cell: ({ row: { original: c } }) => (
        <label className="flex items-center gap-2">
          <input
            type="range"
            min={0}
            max={horizonDays}
            value={c.move.days ?? horizonDays}
            aria-label={`${c.name}: days until target_only`}
            onChange={(e) => onPlanChange(c.id, { days: Number(e.target.value) })}
          />
          <span className="w-28 tabular-nums">{c.move.days === null ? "not planned" : `${c.move.days} days (${day(nowMs + c.move.days * DAY)})`}</span>
        </label>
      ),
    }),
    helper.display({
      id: "percent",
      header: "At",
      cell: ({ row: { original: c } }) => (
        <label className="flex items-center gap-2">
          <input
            type="range"
            min={0}
            max={100}
            value={c.move.percent}
            aria-label={`${c.name}: percentage`}
            onChange={(e) => onPlanChange(c.id, { percent: Number(e.target.value) })}
          />
          <span className="w-12 tabular-nums">{c.move.percent}%</span>
        </label>
      ),
    }),
  ]);
}

function WhatIfTable({
  cohorts,
  plan,
  onPlanChange,
  nowMs,
  horizonDays,
}: {
  cohorts: Cohort[];
  plan: Record<string, PlannedMove>;
  onPlanChange: (id: string, change: Partial<PlannedMove>) => void;
  nowMs: number;
  horizonDays: number;
}) {
  const columns = useMemo(() => whatIfColumns({ nowMs, horizonDays, onPlanChange }), [nowMs, horizonDays, onPlanChange]);
  const data = useMemo(() => cohorts.map((c) => ({ ...c, move: plan[c.id] })), [cohorts, plan]);
  const table = useTable({ features, columns, data, getRowId: (row) => row.id });
  return <DataTableView table={table} variant="plain" empty={null} />;
}

/** When the age reaches the failsafe, however far (the Wraparound page's runway at the same rate), in words. */
function failsafeWords(basis: RunwayBasis, at: number | null): string {
  return at === null ? "never: no XIDs used" : `${day(at)} (in ${formatRunway((at - basis.nowMs) / 3_600_000)})`;
}

/** Whether a plan has `share` of writes on target_only by the deadline. */
function verdict(basis: RunwayBasis, moves: TargetOnlyMove[], deadline: ShareDeadline, share: number): string {
  if (deadline.kind !== "by") return "";
  const reached = 1 - sourceWriteShare(basis, moves, deadline.atMs);
  return reached >= share ? "makes it" : `misses it (${pct(reached)} on target_only by then)`;
}

function deadlineValue(deadline: ShareDeadline): ReactNode {
  if (deadline.kind === "by") return day(deadline.atMs);
  // the date wraps as a whole ("2027-" above "03-03" reads as two figures)
  if (deadline.kind === "not_needed")
    return (
      <>
        not needed before <span className="whitespace-nowrap">{day(deadline.untilMs)}</span>
      </>
    );
  return deadline.kind === "already" ? "done" : "too late";
}

function deadlineHint(deadline: ShareDeadline, limit: number, horizonMs: number, verdicts: string): string {
  const below = `the XID age below ${formatCount(limit)}`;
  if (deadline.kind === "not_needed")
    return `at the measured rate the XID age stays below ${formatCount(limit)} until ${day(horizonMs)} (the horizon) even if no writes move`;
  if (deadline.kind === "already") return `${pct(deadline.share)} of writes are on target_only already`;
  if (deadline.kind === "too_late") return `even moving them now does not keep ${below} until ${day(horizonMs)} (the horizon)`;
  return `to keep ${below} until ${day(horizonMs)} (the horizon); ${verdicts}`;
}

/** The what-if: a slider per cohort for its target-only day and one for its percentage; the curves follow. */
export function RunwayPlanner({
  basis,
  cohorts,
  share,
  marginXids,
  horizonDays,
  diskBytes,
  diskFullDays,
  sizeRests,
  canPropose,
  error,
}: {
  basis: RunwayBasis;
  cohorts: Cohort[];
  share: number;
  marginXids: number;
  horizonDays: number;
  diskBytes: number | null;
  diskFullDays: number | null;
  sizeRests: string;
  canPropose: boolean;
  error: string | null;
}) {
  const [plan, setPlan] = useState<Record<string, PlannedMove>>(() =>
    Object.fromEntries(cohorts.map((c) => [c.id, { days: c.mode === "target_only" ? 0 : null, percent: c.basisPoints / 100 }])),
  );
  const changePlan = useCallback((id: string, change: Partial<PlannedMove>) => setPlan((old) => ({ ...old, [id]: { ...old[id], ...change } })), []);
  const input: RunwayPlanInput = useMemo(
    () => ({
      moves: Object.entries(plan)
        .filter(([, p]) => p.days !== null)
        .map(([cohortId, p]) => ({ cohortId, atMs: Math.round(basis.nowMs + p.days! * DAY), basisPoints: Math.round(p.percent * 100) })),
    }),
    [plan, basis.nowMs],
  );
  const moves = useMemo(() => planMoves(input, cohorts), [input, cohorts]);
  const scheduled = useMemo(() => scheduledRampMoves(cohorts, basis.nowMs), [cohorts, basis.nowMs]);
  const horizonMs = basis.nowMs + horizonDays * DAY;
  const view = useMemo(() => {
    const today = projectSource(basis, [], horizonDays);
    const ramps = projectSource(basis, scheduled, horizonDays);
    const whatIf = projectSource(basis, moves, horizonDays);
    return {
      xidRows: today.map((p, i) => ({ at: p.atMs, "today's ladder": p.xidAge, "scheduled ramps": ramps[i].xidAge, "what-if": whatIf[i].xidAge })),
      sizeRows:
        basis.sizeBytes === null
          ? []
          : today.map((p, i) => ({ at: p.atMs, "today's ladder": p.sizeBytes, "scheduled ramps": ramps[i].sizeBytes, "what-if": whatIf[i].sizeBytes })),
      // No horizon here: the date is the one the Wraparound page's runway gives, however far.
      failsafe: {
        today: crossingMs(basis, [], basis.failsafeAge, Infinity),
        ramps: crossingMs(basis, scheduled, basis.failsafeAge, Infinity),
        whatIf: crossingMs(basis, moves, basis.failsafeAge, Infinity),
      },
      deadline: deadlineForShare(basis, share, basis.failsafeAge, horizonMs),
      withMargin: deadlineForShare(basis, share, basis.failsafeAge - marginXids, horizonMs),
    };
  }, [basis, moves, scheduled, share, marginXids, horizonDays, horizonMs]);
  const verdicts = (deadline: ShareDeadline) =>
    `the scheduled ramps ${verdict(basis, scheduled, deadline, share)}, the what-if ${verdict(basis, moves, deadline, share)}`;
  const ramping = cohorts.filter((c) => c.ramp && c.ramp.steps.some((step) => step > c.basisPoints));
  const subjects = ["today's ladder", "scheduled ramps", "what-if"];
  return (
    <div className="space-y-6">
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat
          label={`${Math.round(share * 100)}% of writes on target_only by`}
          value={deadlineValue(view.deadline)}
          hint={deadlineHint(view.deadline, basis.failsafeAge, horizonMs, verdicts(view.deadline))}
          tone={view.deadline.kind === "too_late" ? "critical" : "default"}
        />
        <Stat
          label={`With a margin of ${formatCount(marginXids)} XIDs`}
          value={deadlineValue(view.withMargin)}
          hint={deadlineHint(view.withMargin, basis.failsafeAge - marginXids, horizonMs, verdicts(view.withMargin))}
          tone={view.withMargin.kind === "too_late" ? "warning" : "default"}
        />
        <Stat
          label="Failsafe reached (what-if)"
          value={view.failsafe.whatIf === null ? "never" : day(view.failsafe.whatIf)}
          hint={`what-if: ${failsafeWords(basis, view.failsafe.whatIf)}; scheduled ramps: ${failsafeWords(basis, view.failsafe.ramps)}; today's ladder: ${failsafeWords(basis, view.failsafe.today)}`}
          tone={view.failsafe.whatIf !== null && view.failsafe.whatIf < horizonMs ? "warning" : "ok"}
        />
      </div>
      <Card title="Projected XID age of the source">
        <SeriesChart
          rows={view.xidRows}
          subjects={subjects}
          limits={[{ label: "failsafe", value: basis.failsafeAge, color: "#dc2626" }]}
          format={formatCount}
        />
        <p className="mt-2 text-xs text-slate-500">
          {scheduled.length
            ? `Scheduled ramps take ${pct(scheduled.reduce((sum, m) => sum + m.writeShare, 0))} of writes off the source by ${day(Math.max(...scheduled.map((m) => m.atMs)))}, each step assumed on time.`
            : `No scheduled ramp takes writes off the source (only a target_only cohort's does)${ramping.length ? `: ${ramping.map((c) => `${c.name} ramps in ${c.mode}`).join(", ")}` : ""}, so that curve is today's ladder.`}
        </p>
      </Card>
      <Card title="Projected disk use of the source">
        {view.sizeRows.length ? (
          <SeriesChart
            rows={view.sizeRows}
            subjects={subjects}
            limits={diskBytes ? [{ label: "disk size (Capacity page)", value: diskBytes, color: "#dc2626" }] : []}
            format={(v) => formatBytes(v)}
          />
        ) : null}
        <p className="mt-2 text-xs text-slate-500">
          Rests on: {sizeRests}; growth scales with the writes still on the source.{" "}
          {diskBytes
            ? `At today's ladder the size reaches the disk (${formatBytes(diskBytes)}, set on the Capacity page) ${diskFullDays === null ? "never at this trend" : `in ${formatDays(diskFullDays)}`}, as the Capacity page's runway says.`
            : "No disk size is set on the Capacity page, so there is no limit to draw."}
        </p>
      </Card>
      <Card title="What-if">
        <p className="mb-3 text-xs text-slate-500">
          Move a cohort to target_only on a day of your choice, at a percentage: the curves and dates above follow. Nothing here changes the rollout.
        </p>
        <WhatIfTable cohorts={cohorts} plan={plan} onPlanChange={changePlan} nowMs={basis.nowMs} horizonDays={horizonDays} />
        {canPropose ? (
          <Form method="post" className="mt-4 flex flex-wrap items-end gap-2">
            <input type="hidden" name="intent" value="propose" />
            <input type="hidden" name="plan" value={JSON.stringify(input)} />
            <label className="flex flex-col text-sm">
              Reason
              <Input name="reason" required maxLength={500} className="w-96" />
            </label>
            <Button type="submit">Save as proposal</Button>
            {error ? (
              <p role="alert" className="text-sm text-red-700">
                {error}
              </p>
            ) : null}
          </Form>
        ) : null}
      </Card>
    </div>
  );
}
