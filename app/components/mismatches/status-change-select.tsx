import { Select } from "~/components/ui/select";
import { MISMATCH_STATUSES } from "~/mismatches/contract";

/** The status <select> of the triage forms (one record or a selection): empty keeps the status, else the new one. */
export function StatusChangeSelect({ className }: { className?: string }) {
  return (
    <Select name="status" defaultValue="" className={className}>
      <option value="">(unchanged)</option>
      {MISMATCH_STATUSES.map((s) => (
        <option key={s} value={s}>
          {s}
        </option>
      ))}
    </Select>
  );
}
