import { Badge } from "~/components/ui/badge";
import { Card } from "~/components/ui/card";
import { AFFECTED_PATH_LABELS, type DriftItem } from "~/schema-parity/drift";

const KIND_LABELS: Record<DriftItem["kind"], string> = {
  table_missing: "table",
  column_missing: "column",
  column_type: "type",
  column_nullability: "nullability",
  column_default: "default",
  id_generator: "id generator",
  primary_key: "primary key",
  unique_constraint: "unique",
  index: "index",
  foreign_key: "foreign key",
  enum_labels: "enum",
};

/** One table's drift: what differs, what it breaks, and the target DDL that would fix it (to copy, never run). */
export function TableDriftCard({ table, items, blocks }: { table: string; items: DriftItem[]; blocks: string[] }) {
  const breaking = items.some((i) => i.breaking);
  return (
    <Card
      title={<span className="font-mono normal-case">{table}</span>}
      actions={breaking ? <Badge tone="critical">breaking</Badge> : <Badge tone="warning">drift</Badge>}
    >
      {blocks.length ? (
        <p className="mb-3 rounded border border-red-300 bg-red-50 px-3 py-2 text-sm text-red-900">
          Blocks {blocks.join(", ")} from moving forward: the cohort writes this table.
        </p>
      ) : null}
      <ul className="divide-y divide-slate-100">
        {items.map((item, i) => (
          <li key={i} className="py-3">
            <div className="flex flex-wrap items-center gap-2 text-sm">
              <Badge tone={item.breaking ? "critical" : "default"}>{KIND_LABELS[item.kind]}</Badge>
              <span className="text-slate-900">{item.detail}</span>
            </div>
            <p className="mt-1 text-xs text-slate-500">
              {item.breaks.length ? `Breaks: ${item.breaks.map((b) => AFFECTED_PATH_LABELS[b]).join(", ")}` : "Breaks nothing; performance or strictness only"}
            </p>
            {item.ddl ? (
              <pre
                aria-label={`Fix on the target for ${item.object ?? table}`}
                className="mt-2 overflow-x-auto rounded bg-slate-900 px-3 py-2 text-xs text-slate-100"
              >
                {item.ddl}
              </pre>
            ) : null}
          </li>
        ))}
      </ul>
    </Card>
  );
}
