import { useCallback } from "react";
import type { ActionFunctionArgs, LoaderFunctionArgs, MetaFunction } from "@remix-run/node";
import { json } from "@remix-run/node";
import { Form, Link, useActionData, useLoaderData, useSearchParams } from "@remix-run/react";
import { z } from "zod";
import { GeneralErrorBoundary } from "~/components/error-boundary";
import { LatencyBudgetList } from "~/components/performance/latency-budget-list";
import { LatencyChart } from "~/components/performance/latency-chart";
import { OperationLatencyTable, type OperationRow } from "~/components/performance/operation-latency-table";
import { Banner } from "~/components/ui/banner";
import { Card } from "~/components/ui/card";
import { PageHeader } from "~/components/ui/page-header";
import { setCohortLatencyBudget } from "~/models/latency-budget.server";
import { PERFORMANCE_RANGES, type PerformanceRange } from "~/latency/ranges";
import { loadPerformance } from "~/models/performance.server";
import { hasRole, requireRole, userActor } from "~/utils/auth.server";
import { Button } from "~/components/ui/button";
import { Select } from "~/components/ui/select";

export const meta: MetaFunction = () => [{ title: "Performance · Cutover" }];

/** "none": users no cohort decides (stored as ""); absent: every cohort. */
const NO_COHORT = "none";

const querySchema = z.object({
  range: z.enum(Object.keys(PERFORMANCE_RANGES) as [PerformanceRange, ...PerformanceRange[]]).catch("1h"),
  cohort: z.string().max(512).optional().catch(undefined),
  table: z.string().max(512).optional().catch(undefined),
  operation: z.string().max(512).optional().catch(undefined),
});

export async function loader({ request }: LoaderFunctionArgs) {
  const user = await requireRole(request, "viewer");
  const params = Object.fromEntries(new URL(request.url).searchParams);
  const query = querySchema.parse(params);
  const cohortId = query.cohort === NO_COHORT ? "" : query.cohort || undefined;
  const chartOperation = query.table && query.operation ? { table: query.table, operation: query.operation } : null;
  const performance = await loadPerformance({ range: query.range, cohortId, ...chartOperation });
  return json({ ...performance, range: query.range, cohort: query.cohort ?? "", chartOperation, canEdit: hasRole(user, "engineer") });
}

const budgetSchema = z.object({
  intent: z.literal("latency-budget"),
  cohortId: z.string().uuid("Unknown cohort"),
  p99Factor: z
    .string()
    .trim()
    .transform((v) => (v === "" ? null : Number(v)))
    .refine((v) => v === null || (Number.isFinite(v) && v >= 1 && v <= 100), "k must be a number from 1 to 100, or empty for no gate"),
  reason: z.string().trim().min(1, "A reason is required").max(500),
});

export async function action({ request }: ActionFunctionArgs) {
  const user = await requireRole(request, "engineer");
  const parsed = budgetSchema.safeParse(Object.fromEntries(await request.formData()));
  if (!parsed.success) return json({ errors: parsed.error.flatten().fieldErrors, saved: null }, { status: 400 });
  const { cohortId, p99Factor, reason } = parsed.data;
  if (!(await setCohortLatencyBudget(userActor(user), cohortId, p99Factor, reason))) {
    return json({ errors: { cohortId: ["Unknown cohort"] }, saved: null }, { status: 400 });
  }
  return json({ errors: null, saved: p99Factor });
}

export default function PerformancePage() {
  const { operations, chart, cohorts, range, cohort, chartOperation, canEdit } = useLoaderData<typeof loader>();
  const actionData = useActionData<typeof action>();
  const [searchParams] = useSearchParams();
  const chartHref = useCallback(
    (row: OperationRow) => {
      const next = new URLSearchParams(searchParams);
      next.set("table", row.table);
      next.set("operation", row.operation);
      return `?${next}`;
    },
    [searchParams],
  );
  const allOperations = new URLSearchParams(searchParams);
  allOperations.delete("table");
  allOperations.delete("operation");
  return (
    <div className="space-y-4">
      <PageHeader
        title="Performance"
        description="The target's latency against the source's, timed by the application servers' client on every mirrored write and shadow read."
      />
      {actionData?.saved !== undefined && actionData.errors === null ? (
        <Banner
          tone="ok"
          title={actionData.saved === null ? "Latency gate removed." : `Latency gate saved: the target's p99 may be at most ${actionData.saved}x the source's.`}
        />
      ) : null}
      <Form method="get" className="flex flex-wrap items-end gap-3 text-sm" aria-label="Filter">
        <label className="text-slate-600">
          Period{" "}
          <Select name="range" defaultValue={range}>
            {Object.keys(PERFORMANCE_RANGES).map((r) => (
              <option key={r} value={r}>{`last ${r}`}</option>
            ))}
          </Select>
        </label>
        <label className="text-slate-600">
          Cohort{" "}
          <Select name="cohort" defaultValue={cohort}>
            <option value="">All cohorts</option>
            {cohorts.map((c) => (
              <option key={c.cohortId} value={c.cohortId}>
                {c.cohortName}
              </option>
            ))}
            <option value={NO_COHORT}>No cohort (default mode, pins)</option>
          </Select>
        </label>
        <Button type="submit" variant="secondary">
          Show
        </Button>
      </Form>
      <Card
        title={chartOperation ? `p99 and p50 over time: ${chartOperation.table} · ${chartOperation.operation}` : "p99 and p50 over time: every timed operation"}
        actions={
          chartOperation ? (
            <Link to={`?${allOperations}`} className="text-sm text-sky-700 hover:underline" preventScrollReset>
              All operations
            </Link>
          ) : null
        }
      >
        <LatencyChart points={chart} />
      </Card>
      <Card title="Operations, target slowest first">
        <OperationLatencyTable rows={operations} chartHref={chartHref} />
        <p className="mt-2 text-xs text-slate-500">
          Percentiles are read from fixed-bucket histograms, so each is exact to within its bucket. In the demo both sides are PostgreSQL databases on one
          server.
        </p>
      </Card>
      <Card title="Latency gates">
        <p className="mb-2 text-xs text-slate-500">
          A cohort with a latency gate ramps only while its target p99 is at most k times its source p99 over the cohort's budget window, with at least 100
          timings on each side.
        </p>
        <LatencyBudgetList cohorts={cohorts} canEdit={canEdit} errors={actionData?.errors ?? undefined} />
      </Card>
    </div>
  );
}

export function ErrorBoundary() {
  return <GeneralErrorBoundary />;
}
