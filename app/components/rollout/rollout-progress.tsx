import { Link } from "@remix-run/react";
import { Area, AreaChart, Legend, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { Card } from "~/components/ui/card";
import { MODE_LABELS, MODES, type Mode } from "../../rollout/modes";
import { MODE_COLOURS } from "./ladder";

export interface RolloutProgressView {
  days: ({ day: string } & Record<Mode, number>)[];
  waiting: { cohortId: string; name: string; detail: string; at: string }[];
  projectedTargetOnly: string | null;
  paceText: string;
  sampleError: string | null;
}

/** Overview section: the share of users on each rung per day, ramps waiting on a gate, the projected finish. */
export function RolloutProgressCard({ progress }: { progress: RolloutProgressView }) {
  return (
    <Card title="Rollout progress">
      <p className="mb-2 text-sm">
        Everyone on target only:{" "}
        <strong>{progress.projectedTargetOnly ?? "no date at the current pace"}</strong> <span className="text-slate-500">({progress.paceText})</span>
      </p>
      {progress.sampleError ? <p className="text-sm text-red-700">{progress.sampleError}</p> : null}
      <ClientOnly height={240}>
        {() => (
          <ResponsiveContainer width="100%" height={240}>
            <AreaChart data={progress.days}>
              <XAxis dataKey="day" />
              <YAxis unit="%" domain={[0, 100]} />
              <Tooltip />
              <Legend />
              {MODES.map((mode) => (
                <Area key={mode} type="stepAfter" dataKey={mode} name={MODE_LABELS[mode]} stackId="rungs" stroke={MODE_COLOURS[mode]} fill={MODE_COLOURS[mode]} isAnimationActive={false} />
              ))}
            </AreaChart>
          </ResponsiveContainer>
        )}
      </ClientOnly>
      <h3 className="mt-3 text-sm font-medium">Waiting on a gate</h3>
      {progress.waiting.length === 0 ? (
        <p className="text-sm text-slate-500">No ramp is waiting on a gate.</p>
      ) : (
        <ul className="text-sm">
          {progress.waiting.map((w) => (
            <li key={w.cohortId}>
              <Link className="text-sky-700 hover:underline" to={`/cohorts/${w.cohortId}`}>{w.name}</Link>: {w.detail}
            </li>
          ))}
        </ul>
      )}
    </Card>
  );
}
