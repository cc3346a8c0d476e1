import { Link } from "@remix-run/react";
import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";
import { Time } from "~/components/ui/time";

export interface SchemaDriftOverview {
  collectedAt: string | null;
  stale: boolean;
  error: string | null;
  breakingTables: number;
  other: number;
  tables: string[];
}

/** Schema parity at a glance: breaking drift holds cohorts back (app/gates/schema-drift.server.ts). */
export function SchemaDriftCard({ drift }: { drift: SchemaDriftOverview }) {
  return (
    <Card
      title="Schema parity"
      actions={
        <Link to="/schema" className="text-sm text-sky-700 hover:underline">
          Details
        </Link>
      }
    >
      {drift.collectedAt === null ? (
        <p className="text-sm text-slate-600">Not compared yet.</p>
      ) : drift.error ? (
        <p className="text-sm text-red-800">{drift.error}</p>
      ) : (
        <>
          <p className="text-sm text-slate-800">
            {drift.breakingTables ? (
              <Badge tone="critical">{`${drift.breakingTables} table${drift.breakingTables === 1 ? "" : "s"} with breaking drift`}</Badge>
            ) : (
              <Badge tone="ok">no breaking drift</Badge>
            )}{" "}
            {drift.other ? `${drift.other} other difference${drift.other === 1 ? "" : "s"}` : null}
          </p>
          {drift.tables.length ? <p className="mt-2 text-sm text-slate-700">{drift.tables.join(", ")}</p> : null}
          <p className="mt-2 text-xs text-slate-500">
            Compared <Time at={drift.collectedAt} />
            {drift.stale ? " (not current: is the worker running?)" : ""}
          </p>
        </>
      )}
    </Card>
  );
}
