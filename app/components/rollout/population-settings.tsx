import { Form } from "@remix-run/react";
import type { ReactNode } from "react";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { Select } from "~/components/ui/select";
import type { ActivityColumn, SourceColumn, SourceTable } from "~/models/source-catalog.server";
import { ATTRIBUTE_FIELDS, type PopulationSource } from "../../rollout/population";

export interface PopulationSettingsData {
  current: {
    source: PopulationSource;
    table: string;
    error: string | null;
    counts: { population: string; sampled: number; users: string; writes: string } | null;
  };
  picker: {
    tables: SourceTable[];
    truncated: { tables: boolean; activityColumns: boolean };
    limit: number;
    chosen: { schema: string; table: string };
    columns: SourceColumn[] | null;
    activityColumns: ActivityColumn[];
    selected: PopulationSource;
    error: string | null;
  } | null;
}

const activityValue = (a: { schema: string; table: string; column: string } | null) => (a ? JSON.stringify([a.schema, a.table, a.column]) : "");

const SELECT = "mt-1 block w-full font-normal";

function ColumnSelect({
  label,
  name,
  columns,
  value,
  error,
  optional,
  only,
}: {
  label: ReactNode;
  name: string;
  columns: SourceColumn[];
  value: string | null;
  error?: string;
  optional?: boolean;
  only?: (c: SourceColumn) => boolean;
}) {
  return (
    <label className="block text-sm font-medium text-slate-700">
      {label}
      <Select name={name} defaultValue={value ?? ""} className={SELECT} aria-invalid={error ? true : undefined}>
        {optional ? <option value="">— not mapped —</option> : null}
        {columns
          .filter((c) => !only || only(c))
          .map((c) => (
            <option key={c.name} value={c.name}>
              {c.name} ({c.type})
            </option>
          ))}
      </Select>
      {error ? <span className="text-xs font-normal text-red-700">{error}</span> : null}
    </label>
  );
}

/**
 * Which source table holds the rollout's users and how they are counted and weighted. Table and column names are
 * only ever picked from the source's catalog; the server checks them again and quotes them.
 */
export function PopulationSettings({
  population,
  errors,
  savedMessage,
  busy,
}: {
  population: PopulationSettingsData;
  errors: Record<string, string[] | undefined>;
  savedMessage: string | null;
  busy: boolean;
}) {
  const { current, picker } = population;
  const s = current.source;
  return (
    <Card title="Rollout population" className="mt-4">
      <p className="text-sm text-slate-600">
        Previews and the ladder read the rollout's users from <code>{current.table}</code> (id <code>{s.idColumn}</code>) on the source, counted by{" "}
        {s.countMethod === "exact" ? `an exact count(*) (timeout ${s.countTimeoutMs.toLocaleString("en")} ms)` : "the planner's estimate"}; a table of up to
        20,000 users is read whole and counted exactly.
      </p>
      {current.error ? (
        <Banner tone="critical" title="The mapping does not work">
          {current.error}
        </Banner>
      ) : null}
      {current.counts ? (
        <dl className="mt-2 grid gap-1 text-sm" aria-label="What the mapping counts">
          <div>
            <dt className="inline font-medium">Users: </dt>
            <dd className="inline">
              {current.counts.population}; {current.counts.users}
            </dd>
          </div>
          <div>
            <dt className="inline font-medium">Write traffic: </dt>
            <dd className="inline">{current.counts.writes}</dd>
          </div>
        </dl>
      ) : null}
      {savedMessage ? (
        <Banner tone="ok" title="Population">
          {savedMessage}
        </Banner>
      ) : null}
      {errors.form ? (
        <Banner tone="critical" title="Not saved">
          {errors.form[0]}
        </Banner>
      ) : null}
      {!picker ? <p className="mt-2 text-sm text-slate-500">Admins choose the table and columns.</p> : null}
      {picker?.error ? (
        <Banner tone="critical" title="Source catalog unavailable">
          {picker.error}
        </Banner>
      ) : null}
      {picker && !picker.error ? (
        <div className="mt-4 space-y-4">
          <Form method="get" className="flex flex-wrap items-end gap-2">
            <label className="block text-sm font-medium text-slate-700">
              Users table
              <Select name="table" defaultValue={JSON.stringify([picker.chosen.schema, picker.chosen.table])} className={SELECT}>
                {picker.tables.map((t) => (
                  <option key={`${t.schema}.${t.name}`} value={JSON.stringify([t.schema, t.name])}>
                    {t.schema}.{t.name} (~{t.estimate.toLocaleString("en")} rows)
                  </option>
                ))}
              </Select>
            </label>
            <Button type="submit" variant="secondary">
              Choose columns
            </Button>
            {picker.truncated.tables ? <TruncatedNote limit={picker.limit} what="tables" /> : null}
          </Form>
          {errors.table ? <p className="text-xs text-red-700">{errors.table[0]}</p> : null}
          {picker.columns === null ? (
            <p className="text-sm text-red-700">
              The source has no table {picker.chosen.schema}.{picker.chosen.table} that Cutover can read.
            </p>
          ) : (
            <Form method="post" className="grid gap-3 md:grid-cols-2" key={`${picker.chosen.schema}.${picker.chosen.table}`}>
              <input type="hidden" name="intent" value="population" />
              <input type="hidden" name="schema" value={picker.chosen.schema} />
              <input type="hidden" name="table" value={picker.chosen.table} />
              <ColumnSelect label="User id column" name="idColumn" columns={picker.columns} value={picker.selected.idColumn} error={errors.idColumn?.[0]} />
              {ATTRIBUTE_FIELDS.map(({ field, label }) => (
                <ColumnSelect
                  key={field}
                  label={`${label} column`}
                  name={field}
                  columns={picker.columns!}
                  value={picker.selected[field]}
                  error={errors[field]?.[0]}
                  optional
                />
              ))}
              <ColumnSelect
                label="Email column (support looks users up by it)"
                name="emailColumn"
                columns={picker.columns}
                value={picker.selected.emailColumn}
                error={errors.emailColumn?.[0]}
                optional
                only={(c) => c.category === "S"}
              />
              <label className="block text-sm font-medium text-slate-700">
                Count users by
                <Select name="countMethod" defaultValue={picker.selected.countMethod} className={SELECT}>
                  <option value="estimate">planner estimate (sampling)</option>
                  <option value="exact">exact count(*)</option>
                </Select>
              </label>
              <Field
                label="Exact count timeout (ms)"
                name="countTimeoutMs"
                type="number"
                defaultValue={picker.selected.countTimeoutMs}
                error={errors.countTimeoutMs?.[0]}
              />
              <label className="block text-sm font-medium text-slate-700">
                Write traffic per user
                <Select name="weightKind" defaultValue={picker.selected.weightKind} className={SELECT}>
                  <option value="equal">assume equal writes per user</option>
                  <option value="column">from a column</option>
                  <option value="activity">estimate from activity rows per user</option>
                </Select>
              </label>
              <ColumnSelect
                label="Writes per user column"
                name="weightColumn"
                columns={picker.columns}
                value={picker.selected.weightColumn}
                error={errors.weightColumn?.[0]}
                optional
                only={(c) => c.category === "N"}
              />
              <label className="block text-sm font-medium text-slate-700 md:col-span-2">
                Activity rows (table · user column)
                <Select
                  name="activity"
                  defaultValue={activityValue(picker.selected.activity)}
                  className={SELECT}
                  aria-invalid={errors.activity ? true : undefined}
                >
                  <option value="">— none —</option>
                  {picker.activityColumns.map((a) => (
                    <option key={activityValue(a)} value={activityValue(a)}>
                      {a.schema}.{a.table} · {a.column}
                    </option>
                  ))}
                </Select>
                {errors.activity ? <span className="text-xs font-normal text-red-700">{errors.activity[0]}</span> : null}
                {picker.truncated.activityColumns ? <TruncatedNote limit={picker.limit} what="columns" /> : null}
              </label>
              <div className="md:col-span-2">
                <Field label="Reason for the change" name="reason" error={errors.reason?.[0]} />
              </div>
              <div>
                <Button type="submit" disabled={busy}>
                  Save population
                </Button>
              </div>
            </Form>
          )}
        </div>
      ) : null}
    </Card>
  );
}

function TruncatedNote({ limit, what }: { limit: number; what: string }) {
  return (
    <p className="w-full text-xs font-normal text-amber-800">
      The source has more {what} than the first {limit.toLocaleString("en")} (by schema and name) listed here.
    </p>
  );
}
