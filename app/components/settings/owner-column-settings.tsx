import { Form } from "@remix-run/react";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";

export interface OwnerColumnSettingsData {
  current: { table: string; column: string; updatedBy: string }[];
  suggestions: { schemaName: string; tableName: string; columnName: string }[];
  error: string | null;
}

/** Tables' owner (user id) columns: how reconciliation knows whether a row is expected on the target yet. */
export function OwnerColumnSettings({
  data,
  canEdit,
  errors,
  busy,
}: {
  data: OwnerColumnSettingsData;
  canEdit: boolean;
  errors: Record<string, string[] | undefined>;
  busy: boolean;
}) {
  return (
    <Card title="Row owners (reconciliation)">
      <p className="mb-3 text-sm text-slate-600">
        A table&apos;s owner column holds the id of the user a row belongs to. Reconciliation reads it to tell rows not yet migrated (owner still on source
        only) from mismatches, and puts the user on every finding. A table without one is verified whole.
      </p>
      <ul className="mb-3 text-sm" aria-label="Owner columns">
        {data.current.length === 0 ? <li>No table has an owner column yet.</li> : null}
        {data.current.map((o) => (
          <li key={o.table}>
            {o.table}: <code>{o.column}</code> (set by {o.updatedBy})
          </li>
        ))}
      </ul>
      {data.error ? <p className="mb-3 text-sm text-red-700">{data.error}</p> : null}
      {data.suggestions.length ? (
        <p className="mb-3 text-sm" aria-label="Suggested owner columns">
          Suggested by the source&apos;s foreign keys to the users table:{" "}
          {data.suggestions.map((s) => `${s.schemaName}.${s.tableName}.${s.columnName}`).join(", ")}
        </p>
      ) : null}
      {canEdit ? (
        <Form method="post" className="grid gap-3 md:grid-cols-4 md:items-end">
          <input type="hidden" name="intent" value="owner-column" />
          <Field label="Owner table" id="owner-table" name="table" required error={errors.ownerTable?.[0]} />
          <Field label="Owner column (empty: none)" id="owner-column" name="column" error={errors.ownerColumn?.[0]} />
          <Field label="Reason for the owner column" id="owner-reason" name="reason" required error={errors.ownerReason?.[0]} />
          <Button type="submit" disabled={busy}>
            Save owner column
          </Button>
        </Form>
      ) : null}
    </Card>
  );
}
