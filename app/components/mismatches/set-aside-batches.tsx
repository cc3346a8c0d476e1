import { Form, useNavigation } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Button } from "~/components/ui/button";
import { Time } from "~/components/ui/time";

export interface SetAsideBatchRow {
  id: number;
  records: number;
  receivedAt: string;
  setAsideAt: string;
  error: string;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, SetAsideBatchRow>();
// Inside the red banner: the header keeps the banner's colour.
const RED = "text-red-800";

function batchColumns({ canRetry, canDiscard, busy }: { canRetry: boolean; canDiscard: boolean; busy: boolean }) {
  const columns = helper.columns([
    helper.accessor("id", { header: "Batch", meta: { className: RED, cellClassName: "font-mono" } }),
    helper.accessor("receivedAt", {
      header: "Received",
      meta: { className: RED, cellClassName: "whitespace-nowrap" },
      cell: ({ row }) => <Time at={row.original.receivedAt} />,
    }),
    helper.accessor("records", { header: "Records", meta: { className: RED }, cell: ({ row }) => row.original.records.toLocaleString("en") }),
    helper.accessor("error", { header: "Why", meta: { className: RED, cellClassName: "break-all font-mono" } }),
  ]);
  if (!canRetry) return columns;
  return [
    ...columns,
    helper.display({
      id: "action",
      header: "Action",
      meta: { className: RED },
      cell: ({ row: { original: b } }) => (
        <div className="flex flex-wrap items-start gap-2">
          <Form method="post">
            <input type="hidden" name="intent" value="retry-batch" />
            <input type="hidden" name="batchId" value={b.id} />
            <Button type="submit" variant="secondary" disabled={busy} aria-label={`Retry batch ${b.id}`}>
              Retry
            </Button>
          </Form>
          {canDiscard ? (
            <details>
              <summary className="cursor-pointer py-1.5 text-red-800 underline">Discard…</summary>
              <Form method="post" className="mt-1 flex flex-col gap-1">
                <input type="hidden" name="intent" value="discard-batch" />
                <input type="hidden" name="batchId" value={b.id} />
                <label className="flex flex-col font-medium">
                  {`Why discard its ${b.records.toLocaleString("en")} record${b.records === 1 ? "" : "s"} for good?`}
                  <input name="reason" required maxLength={2000} className="mt-1 rounded border border-red-300 px-2 py-1 text-sm font-normal text-slate-900" />
                </label>
                <Button type="submit" variant="danger" disabled={busy}>
                  Discard batch {b.id}
                </Button>
              </Form>
            </details>
          ) : null}
        </div>
      ),
    }),
  ];
}

function SetAsideBatchTable({ batches, canRetry, canDiscard, busy }: { batches: SetAsideBatchRow[]; canRetry: boolean; canDiscard: boolean; busy: boolean }) {
  const columns = useMemo(() => batchColumns({ canRetry, canDiscard, busy }), [canRetry, canDiscard, busy]);
  const table = useTable({ features, columns, data: batches, getRowId: (row) => String(row.id) });
  return <DataTableView table={table} variant="plain" dense empty={null} />;
}

/**
 * Reported batches that could not be folded (app/models/mismatch-set-aside.server.ts): rare, but their records
 * are missing from triage until someone acts, so they are shown above everything with the database's reason.
 */
export function SetAsideBatches({
  batches,
  total,
  records,
  canRetry,
  canDiscard,
}: {
  batches: SetAsideBatchRow[];
  total: number;
  records: number;
  canRetry: boolean;
  canDiscard: boolean;
}) {
  const navigation = useNavigation();
  if (total === 0) return null;
  const busy = navigation.state !== "idle";
  return (
    <section aria-labelledby="set-aside-title" className="mb-4 rounded-md border border-red-300 bg-red-50 px-4 py-3 text-sm text-red-900">
      <h2 id="set-aside-title" className="font-semibold">
        {`${total.toLocaleString("en")} reported batch${total === 1 ? "" : "es"} (${records.toLocaleString("en")} record${records === 1 ? "" : "s"}) could not be folded and ${total === 1 ? "is" : "are"} set aside`}
      </h2>
      <p className="mt-1">
        Each passed validation, but PostgreSQL refused its rows when folding it alone. It is kept whole, and the batches after it keep flowing.
        {canRetry
          ? " Fix the cause (a rule, a constraint, the server), then put it back in the inbox."
          : " An engineer can put it back in the inbox once the cause is fixed."}
      </p>
      <div className="mt-2">
        <SetAsideBatchTable batches={batches} canRetry={canRetry} canDiscard={canDiscard} busy={busy} />
      </div>
      {total > batches.length ? <p className="mt-2 text-xs">{`… and ${(total - batches.length).toLocaleString("en")} more, oldest first.`}</p> : null}
    </section>
  );
}
