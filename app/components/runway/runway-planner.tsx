import { Form } from "@remix-run/react";
import { useMemo, useState } from "react";
import { SeriesChart } from "~/components/health/series-chart";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { absoluteTime } from "~/format/time";
import { planMoves, type RunwayPlanInput } from "~/runway/plan";
import { crossingMs, deadlineForShare, projectSource, sourceWriteShare, type RunwayBasis } from "~/runway/projection";

interface Cohort {
  id: string;
  name: string;
  mode: "source_only" | "dual_write" | "shadow_read" | "target_primary" | "target_only";
  basisPoints: number;
  writeShareNow: number;
  writeShareFull: number;
}

const DAY = 86_400_000;
const pct = (share: number) => `${(share * 100).toFixed(1)}%`;
const xids = (n: number) => (n >= 1e9 ? `${(n / 1e9).toFixed(2)} B` : `${Math.round(n / 1e6)} M`);
const day = (ms: number | null) => (ms === null ? "not within the horizon" : absoluteTime(ms).slice(0, 10));

/** The what-if: a slider per cohort for its target-only day and one for its percentage; the curves follow. */
export function RunwayPlanner({ basis, cohorts, share, marginXids, horizonDays, canPropose, error }: { basis: RunwayBasis; cohorts: Cohort[]; share: number; marginXids: number; horizonDays: number; canPropose: boolean; error: string | null }) {
  const [plan, setPlan] = useState<Record<string, { days: number | null; percent: number }>>(() =>
    Object.fromEntries(cohorts.map((c) => [c.id, { days: c.mode === "target_only" ? 0 : null, percent: c.basisPoints / 100 }])),
  );
  const input: RunwayPlanInput = {
    moves: Object.entries(plan)
      .filter(([, p]) => p.days !== null)
      .map(([cohortId, p]) => ({ cohortId, atMs: Math.round(basis.nowMs + p.days! * DAY), basisPoints: Math.round(p.percent * 100) })),
  };
  const moves = planMoves(input, cohorts);
  const horizonMs = basis.nowMs + horizonDays * DAY;
  const view = useMemo(() => {
    const today = projectSource(basis, [], horizonDays);
    const whatIf = projectSource(basis, moves, horizonDays);
    return {
      rows: today.map((p, i) => ({ at: p.atMs, "today's ladder": p.xidAge, "what-if": whatIf[i].xidAge })),
      failsafe: crossingMs(basis, [], basis.failsafeAge),
      planned: crossingMs(basis, moves, basis.failsafeAge),
      deadline: deadlineForShare(basis, share, basis.failsafeAge, horizonMs),
      withMargin: deadlineForShare(basis, share, basis.failsafeAge - marginXids, horizonMs),
    };
  }, [basis, JSON.stringify(moves), share, marginXids, horizonDays]);
  const planShareAt = (ms: number) => 1 - sourceWriteShare(basis, moves, ms);
  const verdict =
    view.deadline.kind === "by"
      ? planShareAt(view.deadline.atMs) >= share
        ? "the plan makes it"
        : `the plan misses it: ${pct(planShareAt(view.deadline.atMs))} on target_only by then`
      : view.deadline.kind === "already"
        ? "already there"
        : "too late: even moving it now does not keep the age below the failsafe until the horizon";
  return (
    <div className="space-y-6">
      <div className="grid gap-4 sm:grid-cols-3">
        <Stat
          label={`${Math.round(share * 100)}% of writes on target_only by`}
          value={view.deadline.kind === "by" ? day(view.deadline.atMs) : view.deadline.kind === "already" ? "done" : "too late"}
          hint={`to keep the XID age below the failsafe (${xids(basis.failsafeAge)}) until ${day(horizonMs)}; ${verdict}`}
          tone={view.deadline.kind === "too_late" ? "critical" : "default"}
        />
        <Stat
          label={`With a margin of ${xids(marginXids)}`}
          value={view.withMargin.kind === "by" ? day(view.withMargin.atMs) : view.withMargin.kind === "already" ? "done" : "too late"}
          hint={`keeps the age below ${xids(basis.failsafeAge - marginXids)}`}
        />
        <Stat label="Failsafe reached" value={day(view.planned)} hint={`under the what-if; ${day(view.failsafe)} at today's ladder`} tone={view.planned !== null && view.planned < horizonMs ? "warning" : "ok"} />
      </div>
      <Card title="Projected XID age of the source">
        <SeriesChart rows={view.rows} subjects={["today's ladder", "what-if"]} limits={[{ label: "failsafe", value: basis.failsafeAge, color: "#dc2626" }]} format={xids} />
      </Card>
      <Card title="What-if">
        <p className="mb-3 text-xs text-slate-500">Move a cohort to target_only on a day of your choice, at a percentage: the curves and dates above follow. Nothing here changes the rollout.</p>
        <table className="w-full text-sm">
          <thead>
            <tr className="text-left text-xs uppercase text-slate-500">
              <th className="py-1">Cohort</th>
              <th>Now</th>
              <th>Share of writes (now / at 100%)</th>
              <th>Target-only in</th>
              <th>At</th>
            </tr>
          </thead>
          <tbody>
            {cohorts.map((c) => {
              const p = plan[c.id];
              return (
                <tr key={c.id} className="border-t border-slate-100">
                  <td className="py-2 font-medium">{c.name}</td>
                  <td>
                    {c.mode} {c.basisPoints / 100}%
                  </td>
                  <td>
                    {pct(c.writeShareNow)} / {pct(c.writeShareFull)}
                  </td>
                  <td>
                    <label className="flex items-center gap-2">
                      <input
                        type="range"
                        min={0}
                        max={horizonDays}
                        value={p.days ?? horizonDays}
                        aria-label={`${c.name}: days until target_only`}
                        onChange={(e) => setPlan({ ...plan, [c.id]: { ...p, days: Number(e.target.value) } })}
                      />
                      <span className="w-28 tabular-nums">{p.days === null ? "not planned" : `${p.days} days (${day(basis.nowMs + p.days * DAY)})`}</span>
                    </label>
                  </td>
                  <td>
                    <label className="flex items-center gap-2">
                      <input type="range" min={0} max={100} value={p.percent} aria-label={`${c.name}: percentage`} onChange={(e) => setPlan({ ...plan, [c.id]: { ...p, percent: Number(e.target.value) } })} />
                      <span className="w-12 tabular-nums">{p.percent}%</span>
                    </label>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
        {canPropose ? (
          <Form method="post" className="mt-4 flex flex-wrap items-end gap-2">
            <input type="hidden" name="intent" value="propose" />
            <input type="hidden" name="plan" value={JSON.stringify(input)} />
            <label className="flex flex-col text-sm">
              Reason
              <input name="reason" required maxLength={500} className="w-96 rounded border border-slate-300 px-2 py-1" />
            </label>
            <Button type="submit">Save as proposal</Button>
            {error ? <p role="alert" className="text-sm text-red-700">{error}</p> : null}
          </Form>
        ) : null}
      </Card>
    </div>
  );
}
