import { Link } from "@remix-run/react";
import { Area, AreaChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { Card } from "~/components/ui/card";
import { Time } from "~/components/ui/time";
import { MODE_LABELS, MODES, modeRank, type Mode } from "../../rollout/modes";
import type { RungProjection } from "../../rollout/projection";
import { MODE_COLOURS } from "./ladder";
import { RungCounts, type RungCountsView } from "./rung-counts";

export interface RolloutProgressView {
  days: ({ day: string } & Record<Mode, number>)[];
  waiting: { cohortId: string; name: string; detail: string; at: string }[];
  projections: RungProjection[];
  sampleError: string | null;
}

/** Overview section: users per rung now, their share per day, each rung's projected date, ramps waiting on a gate. */
export function RolloutProgressCard({ progress, counts }: { progress: RolloutProgressView; counts: RungCountsView }) {
  return (
    <Card title="Rollout progress">
      <div className="grid gap-4 lg:grid-cols-2">
        <div>
          <h3 className="mb-1 text-sm font-medium">Users on each rung now</h3>
          <RungCounts counts={counts} />
        </div>
        <div>
          <h3 className="mb-1 text-sm font-medium">Projected completion</h3>
          <ul className="space-y-2 text-sm" aria-label="Projected completion per rung">
            {progress.projections.map((p) => (
              <li key={p.mode}>
                <div>
                  Everyone on {MODE_LABELS[p.mode]} or beyond:{" "}
                  <strong>{p.paceText === "everyone is there" ? "done" : p.projectedAt ? <Time at={p.projectedAt} /> : "no date at the current pace"}</strong>{" "}
                  <span className="text-slate-500">
                    ({p.reached.toFixed(2)}% there; {p.paceText})
                  </span>
                </div>
                {p.movers.length ? (
                  <ul className="list-disc pl-5 text-xs text-slate-600">
                    {p.movers.map((m) => (
                      <li key={m}>{m}</li>
                    ))}
                  </ul>
                ) : null}
              </li>
            ))}
          </ul>
        </div>
      </div>
      <h3 className="mt-4 text-sm font-medium">Share of users per rung, by day</h3>
      <p className="text-xs text-slate-500">
        Every day evaluated over the same users as the counts above; today&apos;s point is those counts
        {counts.emergency ? ", without the emergency switch (the chart shows where the cohorts stand)" : ""}.
      </p>
      {progress.sampleError ? <p className="text-sm text-red-700">{progress.sampleError}</p> : null}
      <ClientOnly height={240}>
        {() => (
          <ResponsiveContainer width="100%" height={240}>
            <AreaChart data={progress.days}>
              <XAxis dataKey="day" fontSize={11} />
              <YAxis unit="%" domain={[0, 100]} fontSize={11} />
              <Tooltip
                formatter={(value) => `${Number(value).toFixed(2)}% of users`}
                // Ladder order, first rung first, whatever order the stack draws in.
                itemSorter={(item) => modeRank(item.dataKey as Mode)}
              />
              {MODES.map((mode) => (
                <Area
                  key={mode}
                  type="stepAfter"
                  dataKey={mode}
                  name={MODE_LABELS[mode]}
                  stackId="rungs"
                  stroke={MODE_COLOURS[mode]}
                  fill={MODE_COLOURS[mode]}
                  isAnimationActive={false}
                />
              ))}
            </AreaChart>
          </ResponsiveContainer>
        )}
      </ClientOnly>
      <ul className="mt-1 flex flex-wrap gap-3 text-xs" aria-label="Legend">
        {MODES.map((mode, i) => (
          <li key={mode} className="flex items-center gap-1">
            <span className="inline-block h-2.5 w-2.5 rounded-sm" style={{ background: MODE_COLOURS[mode] }} aria-hidden />
            {i + 1}. {MODE_LABELS[mode]} (% of users)
          </li>
        ))}
      </ul>
      <h3 className="mt-3 text-sm font-medium">Waiting on a gate</h3>
      {progress.waiting.length === 0 ? (
        <p className="text-sm text-slate-500">No ramp is waiting on a gate.</p>
      ) : (
        <ul className="text-sm">
          {progress.waiting.map((w) => (
            <li key={w.cohortId}>
              <Link className="text-sky-700 hover:underline" to={`/cohorts/${w.cohortId}`}>
                {w.name}
              </Link>
              : {w.detail} (<Time at={w.at} />)
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
