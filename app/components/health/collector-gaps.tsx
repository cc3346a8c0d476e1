import { Banner } from "~/components/ui/banner";

/** What the source's PostgreSQL version cannot show (e.g. no vacuum failsafe before 14), said instead of a blank. */
export function CollectorGaps({ unavailable }: { unavailable: { view: string; reason: string }[] }) {
  if (unavailable.length === 0) return null;
  return (
    <Banner tone="info" title="Not available on this source's version:">
      {unavailable.map((gap) => (
        <span key={gap.view} className="block">
          <code>{gap.view}</code>: {gap.reason}.
        </span>
      ))}
    </Banner>
  );
}
