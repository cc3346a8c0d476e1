import { Form } from "@remix-run/react";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { Input } from "~/components/ui/input";

export interface GuardSettingsData {
  allowList: string[];
  sensitiveColumns: { table: string; column: string; createdBy: string }[];
}

/**
 * What reconciliation may touch and which columns are kept hashed. Everyone sees both; only admins change them,
 * always with a reason (audited).
 */
export function ReconciliationGuardSettings({
  data,
  isAdmin,
  errors,
  busy,
}: {
  data: GuardSettingsData;
  isAdmin: boolean;
  errors: Record<string, string[] | undefined>;
  busy: boolean;
}) {
  return (
    <div className="mt-4 grid gap-4 lg:grid-cols-2">
      <Card title="Schemas reconciliation may touch">
        <p className="mb-2 text-sm text-slate-600">
          System schemas (pg_catalog, information_schema, pg_toast, crdb_internal) and Cutover's own database are always refused.{" "}
          {data.allowList.length ? `Only these schemas are allowed: ${data.allowList.join(", ")}.` : "Every application schema is allowed."}
        </p>
        {isAdmin ? (
          <Form method="post" className="space-y-3">
            <input type="hidden" name="intent" value="schema-allow-list" />
            <Field
              label="Allowed schemas (empty = every application schema)"
              name="schemas"
              defaultValue={data.allowList.join(", ")}
              placeholder="public, app"
              error={errors.schemas?.[0]}
            />
            <Field label="Why the allowed schemas change" id="allow-list-reason" name="reason" error={errors.allowListReason?.[0]} />
            <Button type="submit" disabled={busy}>
              Save allowed schemas
            </Button>
          </Form>
        ) : null}
      </Card>
      <Card title="Sensitive columns">
        <p className="mb-2 text-sm text-slate-600">
          Mismatch records, exports and the audit log keep these columns only as a keyed hash: equal values still show as equal.
        </p>
        <ul className="mb-3 divide-y divide-slate-100 text-sm" aria-label="Sensitive columns">
          {data.sensitiveColumns.map((c) => (
            <li key={`${c.table}.${c.column}`} className="flex items-center justify-between gap-2 py-2">
              <span className="font-mono">
                {c.table}.{c.column}
              </span>
              {isAdmin ? (
                <Form method="post" className="flex items-center gap-2">
                  <input type="hidden" name="intent" value="unmark-sensitive" />
                  <input type="hidden" name="table" value={c.table} />
                  <input type="hidden" name="column" value={c.column} />
                  <Input name="reason" aria-label={`Why ${c.table}.${c.column} is no longer sensitive`} placeholder="reason" className="text-xs" required />
                  <Button variant="secondary" type="submit" disabled={busy}>
                    Unmark
                  </Button>
                </Form>
              ) : (
                <span className="text-xs text-slate-500">by {c.createdBy}</span>
              )}
            </li>
          ))}
          {data.sensitiveColumns.length === 0 ? <li className="py-2 text-slate-500">No column is marked sensitive.</li> : null}
        </ul>
        {isAdmin ? (
          <Form method="post" className="grid gap-3 md:grid-cols-3">
            <input type="hidden" name="intent" value="mark-sensitive" />
            <Field
              label="Table of the sensitive column"
              id="sensitive-table"
              name="table"
              placeholder="users or schema.table"
              error={errors.sensitiveTable?.[0]}
            />
            <Field label="Sensitive column" id="sensitive-column" name="column" placeholder="email" error={errors.sensitiveColumn?.[0]} />
            <Field label="Why it is sensitive" id="sensitive-reason" name="reason" error={errors.sensitiveReason?.[0]} />
            <div className="md:col-span-3">
              <Button type="submit" disabled={busy}>
                Mark sensitive
              </Button>
            </div>
          </Form>
        ) : null}
      </Card>
    </div>
  );
}
