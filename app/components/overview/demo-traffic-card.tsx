import { Form, useNavigation } from "@remix-run/react";
import { CartesianGrid, Legend, Line, LineChart, ResponsiveContainer, Tooltip, XAxis, YAxis } from "recharts";
import { ClientOnly } from "~/components/charts/client-only";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";

interface Minute {
  minute: string;
  writes: number;
  mirroredWrites: number;
  comparisons: number;
  mismatchesFound: number;
}

/** The demo simulator's traffic per minute, with its pause switch for engineers. */
export function DemoTrafficCard({
  minutes,
  status,
  operationsPerSecond,
  canControl,
  switchedAt,
}: {
  minutes: Minute[];
  status: string;
  operationsPerSecond: number;
  canControl: boolean;
  /** When the switch was last set (ISO), or null when nobody has touched it. */
  switchedAt: string | null;
}) {
  const navigation = useNavigation();
  // The last minute is still being counted: figures and the chart stop at the minute before, so a rate does not
  // read low (and the line does not dip) only because the minute is young.
  const complete = minutes.slice(0, -1);
  const last = complete.slice(-5);
  const perMinute = (key: keyof Omit<Minute, "minute">) => Math.round(last.reduce((sum, m) => sum + m[key], 0) / Math.max(last.length, 1));
  const running = status === "running";
  // The switch is a setting, not the process: it says "running" even when no simulator process is started.
  // Minutes are flushed every few seconds, so three empty minutes mean nothing is running (unless it was just
  // switched on).
  const reporting = minutes.slice(-3).some((m) => m.writes + m.comparisons > 0);
  const justSwitched = switchedAt !== null && Date.now() - new Date(switchedAt).getTime() < 60_000;
  const silent = running && operationsPerSecond > 0 && !reporting && !justSwitched;
  const data = complete.map((m) => ({ ...m, label: m.minute.slice(11, 16) }));
  return (
    <Card
      title="Demo traffic (simulated users)"
      className="lg:col-span-3"
      actions={
        <div className="flex items-center gap-2">
          <Badge tone={running && !silent ? "ok" : "warning"}>
            {silent ? "switched on · no traffic" : running ? `running · ${operationsPerSecond} op/s` : "paused"}
          </Badge>
          {canControl ? (
            <Form method="post">
              <input type="hidden" name="intent" value="simulator" />
              <input type="hidden" name="status" value={running ? "paused" : "running"} />
              <input type="hidden" name="operationsPerSecond" value={operationsPerSecond} />
              <Button type="submit" variant="secondary" disabled={navigation.state !== "idle"}>
                {running ? "Pause traffic" : "Resume traffic"}
              </Button>
            </Form>
          ) : null}
        </div>
      }
    >
      {silent ? (
        <p className="mb-3 rounded border border-amber-200 bg-amber-50 px-3 py-2 text-sm text-amber-900">
          Switched on at {operationsPerSecond} op/s, but no simulator process has reported traffic for three minutes:
          <code>npm start</code> runs one beside the app and the worker.
        </p>
      ) : null}
      <dl className="mb-3 grid grid-cols-3 gap-3 text-sm">
        <div>
          <dt className="text-xs uppercase text-slate-500">Mirrored writes / min, last 5</dt>
          <dd className="text-xl font-semibold tabular-nums">{perMinute("mirroredWrites")}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-slate-500">Comparisons / min, last 5</dt>
          <dd className="text-xl font-semibold tabular-nums">{perMinute("comparisons")}</dd>
        </div>
        <div>
          <dt className="text-xs uppercase text-slate-500">Mismatches / min, last 5</dt>
          <dd className="text-xl font-semibold tabular-nums">{perMinute("mismatchesFound")}</dd>
        </div>
      </dl>
      <ClientOnly height={180}>
        {() => (
          <ResponsiveContainer width="100%" height={180}>
            <LineChart data={data} margin={{ top: 4, right: 8, bottom: 0, left: -16 }}>
              <CartesianGrid strokeDasharray="3 3" stroke="#e2e8f0" />
              <XAxis dataKey="label" tick={{ fontSize: 11 }} minTickGap={24} />
              <YAxis tick={{ fontSize: 11 }} allowDecimals={false} />
              <Tooltip />
              <Legend wrapperStyle={{ fontSize: 12 }} />
              <Line type="monotone" dataKey="mirroredWrites" name="mirrored writes" stroke="#0ea5e9" dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="comparisons" name="comparisons" stroke="#8b5cf6" dot={false} isAnimationActive={false} />
              <Line type="monotone" dataKey="mismatchesFound" name="mismatches" stroke="#dc2626" dot={false} isAnimationActive={false} />
            </LineChart>
          </ResponsiveContainer>
        )}
      </ClientOnly>
    </Card>
  );
}
