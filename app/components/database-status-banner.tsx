import { Banner } from "./ui/banner";

interface StatusLike {
  name: string;
  up: boolean;
  engine: { engine: string; version: string } | null;
  error: string | null;
}

/** Says plainly when the target is not CockroachDB or a database is down; shown on every page that reads them. */
export function DatabaseStatusBanner({ statuses }: { statuses: StatusLike[] }) {
  const down = statuses.filter((s) => !s.up);
  const target = statuses.find((s) => s.name === "target");
  return (
    <>
      {down.map((s) => (
        <Banner key={s.name} tone="critical" title={`The ${s.name} database is down.`}>
          {s.error}
        </Banner>
      ))}
      {target?.engine && target.engine.engine !== "cockroachdb" ? (
        <Banner tone="warning" title="The target is not CockroachDB.">
          It is {target.engine.engine === "postgresql" ? `PostgreSQL ${target.engine.version}` : target.engine.engine} (in the demo, a second PostgreSQL stands
          in because no CockroachDB binary can be installed here). CockroachDB-only views such as node capacity and liveness are not available.
        </Banner>
      ) : null}
    </>
  );
}
