import { Form, Link, useNavigation } from "@remix-run/react";
import { Button } from "~/components/ui/button";
import { Card } from "~/components/ui/card";
import { Field } from "~/components/ui/field";
import { bytesToGiB } from "~/health/disk-size";

/** Where the source's disk size is set: PostgreSQL cannot report it, and its capacity runway needs it. */
export function DiskSizeForm({
  bytes,
  canEdit,
  errors,
  saved,
}: {
  bytes: number | null;
  canEdit: boolean;
  errors: Record<string, string[] | undefined>;
  saved: boolean;
}) {
  const busy = useNavigation().state !== "idle";
  return (
    <Card title="Source disk size">
      <p className="mb-2 text-sm text-slate-600">
        PostgreSQL cannot report the size of its disk, so it is set here by hand (the volume or quota the database lives on)
        {bytes === null ? (
          ": until then the source's capacity runway is unknown."
        ) : (
          <>
            :{" "}
            <Link to="/audit?entityType=settings&entityId=health.thresholds" className="text-sky-700 underline">
              the audit log
            </Link>{" "}
            says who set it and why.
          </>
        )}
      </p>
      {canEdit ? (
        <Form method="post" className="flex flex-wrap items-end gap-3" key={String(bytes)}>
          <input type="hidden" name="intent" value="disk-size" />
          <Field
            name="sourceDiskGiB"
            label="Source disk size (GiB)"
            defaultValue={bytesToGiB(bytes)}
            inputMode="decimal"
            error={errors.sourceDiskGiB?.[0]}
            hint="blank: unknown"
          />
          <Field name="reason" id="disk-size-reason" label="Reason (audit log)" error={errors.reason?.[0]} />
          <Button type="submit" disabled={busy}>
            Save disk size
          </Button>
          {saved ? (
            <p role="status" className="text-sm text-emerald-700">
              Saved.
            </p>
          ) : null}
        </Form>
      ) : (
        <p className="text-sm">{bytes === null ? "Not set: the runway is unknown. Engineers can set it." : `${bytesToGiB(bytes)} GiB`}</p>
      )}
    </Card>
  );
}
