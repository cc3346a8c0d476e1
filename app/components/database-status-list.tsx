import { Badge } from "./ui/badge";

interface StatusLike {
  name: string;
  up: boolean;
  latencyMs: number | null;
  engine: { engine: string; version: string } | null;
  where: string;
  error: string | null;
}

export function DatabaseStatusList({ statuses }: { statuses: StatusLike[] }) {
  return (
    <ul className="divide-y divide-slate-100 text-sm">
      {statuses.map((s) => (
        <li key={s.name} className="flex items-center justify-between gap-3 py-2">
          <div>
            <div className="font-medium capitalize">{s.name}</div>
            <div className="text-xs text-slate-500">
              {s.engine ? `${s.engine.engine === "cockroachdb" ? "CockroachDB" : "PostgreSQL"} ${s.engine.version} · ` : ""}
              {s.where}
            </div>
            {s.error ? <div className="text-xs text-red-700">{s.error}</div> : null}
          </div>
          {s.up ? <Badge tone="ok">up · {s.latencyMs} ms</Badge> : <Badge tone="critical">down</Badge>}
        </li>
      ))}
    </ul>
  );
}
