import { Link } from "@remix-run/react";
import { Card } from "~/components/ui/card";
import { absoluteTime } from "~/format/time";

export interface RunwayOverview {
  deadlineMs: number | null;
  kind: "already" | "by" | "not_needed" | "too_late" | null;
  failsafeMs: number | null;
  rests: string | null;
  error: string | null;
}

const day = (ms: number) => absoluteTime(ms).slice(0, 10);

/** The race against wraparound in one line: by when half the writes must be on target_only (app/runway). */
export function RunwayCard({ runway }: { runway: RunwayOverview }) {
  return (
    <Card
      title="Runway"
      actions={
        <Link to="/runway" className="text-sm text-sky-700 hover:underline">
          Plan
        </Link>
      }
    >
      {runway.error ? (
        <p className="text-sm text-slate-600">{runway.error}</p>
      ) : (
        <>
          <p className="text-sm text-slate-800">
            {runway.kind === "by" && runway.deadlineMs !== null
              ? `50% of writes must be on target_only by ${day(runway.deadlineMs)}`
              : runway.kind === "not_needed" && runway.deadlineMs !== null
                ? `50% of writes on target_only: not needed before ${day(runway.deadlineMs)} (the planner's 90 days)`
                : runway.kind === "already"
                  ? "50% of writes are already on target_only"
                  : "Too late for 50%: even moving it now does not keep the source below the failsafe for 90 days"}
          </p>
          <p className="mt-1 text-xs text-slate-500">
            {runway.failsafeMs !== null
              ? `Failsafe at today's ladder: ${day(runway.failsafeMs)}. `
              : "The failsafe is never reached at today's ladder (no XIDs used). "}
            {runway.rests}
          </p>
        </>
      )}
    </Card>
  );
}
