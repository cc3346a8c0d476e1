import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, useLoaderData, useNavigation } from "@remix-run/react";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { TableDriftCard } from "~/components/schema/table-drift-card";
import { Banner } from "~/components/ui/banner";
import { Button } from "~/components/ui/button";
import { Card, Stat } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { Time } from "~/components/ui/time";
import { cohortTables } from "~/models/backfill-cohort.server";
import { listCohorts } from "~/models/cohort.server";
import { collectSchemaParity, driftByTable, latestSchemaParity, summarizeSchemaParity } from "~/models/schema-parity.server";
import { modeRank } from "~/rollout/modes";
import { hasRole, requireRole } from "~/utils/auth.server";
import { redactError } from "~/utils/databases.server";

export const meta: MetaFunction = () => [{ title: "Schema · Cutover" }];

/** The cohorts a table's breaking drift holds back: those writing the target that still have a step to take. */
async function blockedCohorts(): Promise<{ tables: Set<string>; cohorts: string[] }> {
  const [tables, cohorts] = await Promise.all([cohortTables(), listCohorts()]);
  return {
    tables: new Set(tables.map((t) => `${t.schemaName}.${t.tableName}`)),
    cohorts: cohorts.filter((c) => modeRank(c.mode) < modeRank("target_only")).map((c) => c.name),
  };
}

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const latest = await latestSchemaParity();
  let writes: { tables: string[]; cohorts: string[]; error: string | null } = { tables: [], cohorts: [], error: null };
  try {
    const b = await blockedCohorts();
    writes = { tables: [...b.tables], cohorts: b.cohorts, error: null };
  } catch (error) {
    writes.error = `could not read which tables cohorts write: ${redactError(error)}`;
  }
  return json({
    canCollect: hasRole(user, "engineer"),
    latest: latest && { ...latest, drift: undefined, collectedAt: latest.collectedAt.toISOString() },
    summary: summarizeSchemaParity(latest),
    tables: driftByTable(latest?.drift ?? []),
    writes,
  });
}

/** "Compare now": an engineer need not wait for the collector's next minute after a migration. */
export async function action({ request }: ActionFunctionArgs) {
  await requireRole(request, "engineer");
  const form = await request.formData();
  if (form.get("intent") !== "collect") return json({ error: "unknown intent" }, { status: 400 });
  const collection = await collectSchemaParity();
  return json({ ok: collection.ok, error: collection.error });
}

export default function SchemaPage() {
  const data = useLoaderData<typeof loader>();
  const navigation = useNavigation();
  const { latest, summary, writes } = data;
  const writtenTables = new Set(writes.tables);
  return (
    <div className="space-y-6">
      <PageHeader
        title="Schema parity"
        description="Both catalogs compared every minute under the PostgreSQL → CockroachDB type mapping (INT4 vs INT8, VARCHAR vs STRING, SERIAL vs unique_rowid(), JSON vs JSONB and collations CockroachDB lacks are expected, not drift). The DDL is shown for review and never run by Cutover."
        actions={
          data.canCollect ? (
            <Form method="post">
              <input type="hidden" name="intent" value="collect" />
              <Button type="submit" disabled={navigation.state !== "idle"}>
                Compare now
              </Button>
            </Form>
          ) : null
        }
      />
      {!latest ? (
        <Banner tone="info" title="Not compared yet.">
          The worker compares both catalogs within a minute of starting.
        </Banner>
      ) : null}
      {latest && !latest.ok ? (
        <Banner tone="critical" title="The latest comparison failed.">
          {latest.error}
        </Banner>
      ) : null}
      {latest && summary.stale ? (
        <Banner tone="warning" title="The comparison is not current.">
          Is the worker running? The drift below may be out of date.
        </Banner>
      ) : null}
      {writes.error ? (
        <Banner tone="warning" title="Cohort tables unknown.">
          {writes.error}
        </Banner>
      ) : null}
      {latest ? (
        <div className="grid gap-4 sm:grid-cols-4">
          <Stat label="Tables with breaking drift" value={summary.breakingTables} tone={summary.breakingTables ? "critical" : "ok"} />
          <Stat label="Other differences" value={summary.other} tone={summary.other ? "warning" : "default"} />
          <Stat label="Tables compared" value={`${latest.sourceTables ?? "–"} / ${latest.targetTables ?? "–"}`} hint="source / target" />
          <Stat
            label="Compared"
            value={<Time at={latest.collectedAt} />}
            hint={latest.ok ? `catalogs read in ${latest.sourceMs} ms (source), ${latest.targetMs} ms (target)` : undefined}
          />
        </div>
      ) : null}
      {latest?.ok && data.tables.length === 0 ? (
        <Card>
          <p className="text-sm text-slate-700">No drift: every difference between the two catalogs is explained by the type mapping.</p>
        </Card>
      ) : null}
      {data.tables.map((t) => (
        <TableDriftCard key={t.table} table={t.table} items={t.items} blocks={t.breaking && writtenTables.has(t.table) ? writes.cohorts : []} />
      ))}
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
