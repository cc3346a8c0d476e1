import { Form, useNavigation } from "@remix-run/react";
import { Button } from "~/components/ui/button";

export interface SetAsideBatchRow {
  id: number;
  records: number;
  receivedAt: string;
  setAsideAt: string;
  error: string;
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
        {canRetry ? " Fix the cause (a rule, a constraint, the server), then put it back in the inbox." : " An engineer can put it back in the inbox once the cause is fixed."}
      </p>
      <table className="mt-2 w-full text-left text-xs">
        <thead>
          <tr className="text-red-800">
            <th className="py-1 pr-3 font-medium">Batch</th>
            <th className="py-1 pr-3 font-medium">Received</th>
            <th className="py-1 pr-3 font-medium">Records</th>
            <th className="py-1 pr-3 font-medium">Why</th>
            {canRetry ? <th className="py-1 font-medium">Action</th> : null}
          </tr>
        </thead>
        <tbody>
          {batches.map((b) => (
            <tr key={b.id} className="border-t border-red-200 align-top">
              <td className="py-1 pr-3 font-mono">{b.id}</td>
              <td className="whitespace-nowrap py-1 pr-3">
                <time dateTime={b.receivedAt}>{b.receivedAt.slice(0, 19)}</time>
              </td>
              <td className="py-1 pr-3">{b.records.toLocaleString("en")}</td>
              <td className="break-all py-1 pr-3 font-mono">{b.error}</td>
              {canRetry ? (
                <td className="py-1">
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
                </td>
              ) : null}
            </tr>
          ))}
        </tbody>
      </table>
      {total > batches.length ? <p className="mt-2 text-xs">{`… and ${(total - batches.length).toLocaleString("en")} more, oldest first.`}</p> : null}
    </section>
  );
}
