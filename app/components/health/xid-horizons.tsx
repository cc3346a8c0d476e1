import { formatRunway, type XidForecast } from "~/health/xid-forecast";

/** Time to each of PostgreSQL's horizons at the current XID rate: forced autovacuum, the failsafe, the stop. */
export function XidHorizons({ forecast, rateKnown, hasFailsafe }: { forecast: XidForecast; rateKnown: boolean; hasFailsafe: boolean }) {
  const missing = rateKnown ? "not at the current rate" : "unknown until the XID rate is known";
  const item = (label: string, hours: number | null, none = missing) => (
    <span>
      {label} <strong className="tabular-nums">{hours === 0 ? "now" : hours === null ? none : formatRunway(hours)}</strong>
    </span>
  );
  return (
    <span className="inline-flex flex-wrap gap-x-3">
      {item("forced autovacuum in", forecast.hoursToAutovacuum)}
      {item("failsafe in", forecast.hoursToFailsafe, hasFailsafe ? missing : "none (PostgreSQL 13)")}
      {item("writes stop in", forecast.hoursToStop)}
    </span>
  );
}
