import { Field } from "~/components/ui/field";
import { MODE_LABELS, MODES } from "../../rollout/modes";
import { formatBasisPoints } from "../../rollout/percent";
import { formatRampSteps } from "../../rollout/ramp";
import type { CohortInput } from "~/models/cohort.server";
import { Select } from "~/components/ui/select";

/** The same fields the model saves: one shape from the form to the database. */
export type CohortFieldValues = CohortInput;

/** The cohort's editable fields (create and edit share them); `disabled` for roles that may only look. */
export function CohortFields({ values, errors = {}, disabled }: { values?: CohortFieldValues; errors?: Record<string, string>; disabled: boolean }) {
  const c = values?.constraints ?? {};
  return (
    <fieldset disabled={disabled} className="grid gap-3 md:grid-cols-2">
      <Field label="Name" name="name" defaultValue={values?.name} error={errors.name} required />
      <Field label="Priority (lower is evaluated first)" name="priority" type="number" defaultValue={values?.priority ?? 100} error={errors.priority} />
      <label className="block text-sm">
        <span className="font-medium">Mode</span>
        <Select name="mode" defaultValue={values?.mode ?? "dual_write"} className="mt-1 block w-full">
          {MODES.map((mode) => (
            <option key={mode} value={mode}>
              {MODE_LABELS[mode]}
            </option>
          ))}
        </Select>
      </label>
      <Field
        label="Percentage"
        name="percent"
        defaultValue={values ? formatBasisPoints(values.percentBasisPoints).replace("%", "") : "0"}
        error={errors.percent}
      />
      <Field label="Description" name="description" defaultValue={values?.description} error={errors.description} />
      <Field label="Regions" name="regions" defaultValue={c.regions?.join(", ")} error={errors.regions} hint="comma separated; empty = any" />
      <Field label="Countries" name="countries" defaultValue={c.countries?.join(", ")} error={errors.countries} />
      <Field label="Plans" name="plans" defaultValue={c.plans?.join(", ")} error={errors.plans} />
      <Field label="School ids" name="schoolIds" defaultValue={c.schoolIds?.join(", ")} error={errors.schoolIds} />
      <Field label="User ids" name="userIds" defaultValue={c.userIds?.join(", ")} error={errors.userIds} hint="up to 100,000" />
      <Field
        label="Mismatch budget (%)"
        name="mismatchBudgetPercent"
        defaultValue={values?.mismatchBudget == null ? "" : String(values.mismatchBudget * 100)}
        error={errors.mismatchBudgetPercent}
      />
      <Field
        label="Budget window (minutes)"
        name="budgetWindowMinutes"
        type="number"
        defaultValue={values?.budgetWindowMinutes ?? 60}
        error={errors.budgetWindowMinutes}
      />
      <Field
        label="Ramp steps"
        name="rampSteps"
        defaultValue={values?.rampSteps ? formatRampSteps(values.rampSteps) : ""}
        error={errors.rampSteps}
        hint="e.g. 1% -> 5% -> 25% -> 100%"
      />
      <Field label="Ramp every (hours)" name="rampEveryHours" defaultValue={values?.rampEveryHours ?? ""} error={errors.rampEveryHours} />
    </fieldset>
  );
}
