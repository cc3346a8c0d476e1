import { Link } from "@remix-run/react";
import { Time } from "~/components/ui/time";
import { MODE_LABELS, type Mode } from "../rollout/modes";

export interface EmergencyView {
  mode: Mode;
  reason: string;
  since: string;
}

/** Shown on every page while the emergency switch is on: it overrides every cohort and pin, so nobody may miss it. */
export function EmergencyBanner({ emergency }: { emergency: EmergencyView | null | undefined }) {
  if (!emergency) return null;
  return (
    <div role="alert" aria-label="Emergency switch" className="border-b border-red-300 bg-red-50 text-sm text-red-900">
      <div className="mx-auto max-w-7xl px-4 py-2">
        <strong className="font-semibold">Emergency switch on: everyone is on {MODE_LABELS[emergency.mode]}</strong>
        <span className="ml-1">
          since <Time at={emergency.since} />: {emergency.reason}.{" "}
          <Link to="/cohorts" className="underline">
            Cohorts
          </Link>{" "}
          resume when it is cleared.
        </span>
      </div>
    </div>
  );
}
