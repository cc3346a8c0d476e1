import { Card } from "~/components/ui/card";
import { MODE_LABELS } from "../../rollout/modes";
import { formatBasisPoints } from "../../rollout/percent";
import { formatRampSteps } from "../../rollout/ramp";
import { constraintSummary } from "./cohort-table";
import type { CohortFieldValues } from "./cohort-fields";

/** A cohort as a viewer reads it: what it is, who it covers, its budget and ramp; no form. */
export function CohortSummary({ cohort }: { cohort: CohortFieldValues }) {
  const rows: [string, string][] = [
    ["Mode", MODE_LABELS[cohort.mode]],
    ["Share", formatBasisPoints(cohort.percentBasisPoints)],
    ["Who", constraintSummary(cohort.constraints)],
    ["Priority", `${cohort.priority} (lower is evaluated first)`],
    ["Mismatch budget", cohort.mismatchBudget === null ? "none" : `${(cohort.mismatchBudget * 100).toFixed(2)}% over ${cohort.budgetWindowMinutes} min`],
    ["Ramp", cohort.rampSteps && cohort.rampEveryHours ? `${formatRampSteps(cohort.rampSteps)}, every ${cohort.rampEveryHours} h` : "none"],
  ];
  return (
    <Card title="Cohort">
      <dl className="grid gap-x-4 gap-y-1 text-sm sm:grid-cols-[10rem_1fr]" aria-label="Cohort settings">
        {rows.map(([label, value]) => (
          <div key={label} className="contents">
            <dt className="text-slate-500">{label}</dt>
            <dd>{value}</dd>
          </div>
        ))}
      </dl>
      {cohort.description ? <p className="mt-2 text-sm text-slate-600">{cohort.description}</p> : null}
      <p className="mt-2 text-xs text-slate-500">Engineers change cohorts; every change is in the history below and the audit log.</p>
    </Card>
  );
}
