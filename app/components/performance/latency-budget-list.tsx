import { Form } from "@remix-run/react";
import { formatFactor, formatLatency } from "~/latency/format";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import type { SideFigures } from "./operation-latency-table";
import { Input } from "~/components/ui/input";

export interface CohortLatencyRow {
  cohortId: string;
  cohortName: string;
  p99Factor: number | null;
  windowMinutes: number;
  source: SideFigures | null;
  target: SideFigures | null;
}

/**
 * Each cohort's latency gate: its budget (the target's p99 at most k x the source's over the cohort's budget
 * window), where it stands now, and for engineers a form to set or remove it with a reason.
 */
export function LatencyBudgetList({
  cohorts,
  canEdit,
  errors,
}: {
  cohorts: CohortLatencyRow[];
  canEdit: boolean;
  errors?: Record<string, string[] | undefined>;
}) {
  if (cohorts.length === 0) return <p className="text-sm text-slate-500">No cohorts yet.</p>;
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {cohorts.map((c) => {
        const ratio = c.source && c.target && c.source.p99 > 0 ? c.target.p99 / c.source.p99 : null;
        const over = ratio !== null && c.p99Factor !== null && ratio > c.p99Factor;
        return (
          <li key={c.cohortId} className="flex flex-wrap items-center gap-3 py-2">
            <span className="min-w-40 font-medium">{c.cohortName}</span>
            <span className="text-slate-600">
              {c.source && c.target
                ? `p99 target ${formatLatency(c.target.p99)} / source ${formatLatency(c.source.p99)} over ${c.windowMinutes} min`
                : `not timed over ${c.windowMinutes} min`}
            </span>
            {c.p99Factor === null ? (
              <Badge>no latency gate</Badge>
            ) : (
              <Badge tone={over ? "critical" : ratio === null ? "warning" : "ok"}>{`gate: at most ${formatFactor(c.p99Factor)}`}</Badge>
            )}
            {canEdit ? (
              <Form method="post" className="ml-auto flex items-end gap-2" aria-label={`Latency gate of ${c.cohortName}`}>
                <input type="hidden" name="intent" value="latency-budget" />
                <input type="hidden" name="cohortId" value={c.cohortId} />
                <label className="text-xs text-slate-600">
                  k (empty: no gate)
                  <Input
                    name="p99Factor"
                    type="number"
                    step="0.1"
                    min={1}
                    max={100}
                    defaultValue={c.p99Factor ?? ""}
                    aria-label={`Latency budget factor for ${c.cohortName}`}
                    className="ml-1 w-20"
                  />
                </label>
                <Input name="reason" required placeholder="Reason" aria-label={`Reason for ${c.cohortName}`} className="w-48" />
                <Button type="submit" variant="secondary">
                  Save
                </Button>
              </Form>
            ) : null}
          </li>
        );
      })}
      {errors ? (
        <li className="py-2 text-xs text-red-700" role="alert">
          {Object.values(errors).flat().join(" ")}
        </li>
      ) : null}
    </ul>
  );
}
