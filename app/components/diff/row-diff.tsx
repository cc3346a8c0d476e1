import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import type { FieldDiff, IgnoredField } from "../../normalization/types";
import { Badge } from "~/components/ui/badge";
import { isSensitiveHash } from "~/sensitive/hashed-value";

const CLASSIFICATION_LABELS: Record<string, string> = {
  timestamp_precision: "precision difference",
  numeric_scale: "numeric scale",
  float_precision: "float precision",
  json_key_order: "JSON key order / whitespace",
  trailing_spaces: "trailing spaces",
  null_vs_empty: "NULL vs empty string",
  missing_field: "column on one side only",
  value: "different value",
};

function show(value: unknown): string {
  if (value === undefined) return "(absent)";
  if (value === null) return "NULL";
  return typeof value === "string" ? value : JSON.stringify(value, null, 2);
}

/** A value as stored; a sensitive column's keyed hash says what it is instead of showing the hash. */
function Value({ value }: { value: unknown }) {
  if (isSensitiveHash(value)) {
    return (
      <span className="font-sans italic text-slate-600" title="Stored only as a keyed hash (Settings: sensitive columns)">
        sensitive (hashed)
      </span>
    );
  }
  return <>{show(value)}</>;
}

/** One column of the record, as both sides hold it. */
interface FieldRow {
  field: string;
  source: unknown;
  target: unknown;
  diff: FieldDiff | undefined;
  rule: string | undefined;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, FieldRow>();
const VALUE_CELL = "whitespace-pre-wrap break-all font-mono text-xs";

function fieldColumns({ sourceMissing, targetMissing }: { sourceMissing: boolean; targetMissing: boolean }) {
  return helper.columns([
    helper.accessor("field", {
      header: "Column",
      meta: { rowHeader: true, className: "w-48", cellClassName: "font-mono text-xs font-medium" },
      cell: ({ row: { original: r } }) => (
        <>
          {r.field}
          <div className="mt-1 space-x-1">
            {r.diff ? <Badge tone="critical">{CLASSIFICATION_LABELS[r.diff.classification] ?? r.diff.classification}</Badge> : null}
            {r.rule ? <Badge tone="info">{`normalized by rule ${r.rule.slice(0, 8)}`}</Badge> : null}
          </div>
        </>
      ),
    }),
    helper.accessor("source", {
      header: `Source (PostgreSQL)${sourceMissing ? " — no row" : ""}`,
      meta: { cellClassName: VALUE_CELL },
      cell: ({ row }) => <Value value={row.original.source} />,
    }),
    helper.accessor("target", {
      header: `Target (CockroachDB)${targetMissing ? " — no row" : ""}`,
      meta: { cellClassName: VALUE_CELL },
      cell: ({ row: { original: r } }) => (
        <>
          <Value value={r.target} />
          {isSensitiveHash(r.source) || isSensitiveHash(r.target) ? (
            <span className="ml-2 font-sans">{r.source === r.target ? "(equal to the source)" : "(different from the source)"}</span>
          ) : null}
          {r.diff?.jsonDiffs?.length ? (
            <ul className="mt-2 space-y-0.5 border-t border-rose-200 pt-1" aria-label={`JSON differences in ${r.field}`}>
              {r.diff.jsonDiffs.map((j) => (
                <li key={j.path}>
                  <span className="text-slate-500">{j.path}</span>{" "}
                  {j.change === "changed" ? (
                    <>
                      <del className="text-red-700">{show(j.source)}</del> → <ins className="text-emerald-700 no-underline">{show(j.target)}</ins>
                    </>
                  ) : (
                    <span>{j.change.replaceAll("_", " ")}</span>
                  )}
                </li>
              ))}
            </ul>
          ) : null}
        </>
      ),
    }),
  ]);
}

/**
 * Source and target side by side, one row per column; differing columns are highlighted with a type-aware label,
 * columns a normalization rule explains are marked with the rule, JSON differences list their paths.
 */
export function RowDiff({
  source,
  target,
  fieldDiffs,
  ignored,
}: {
  source: Record<string, unknown> | null;
  target: Record<string, unknown> | null;
  fieldDiffs: FieldDiff[];
  ignored: IgnoredField[];
}) {
  const rows = useMemo(() => {
    const diffs = new Map(fieldDiffs.map((d) => [d.field, d]));
    const ignoredBy = new Map(ignored.map((i) => [i.field, i.ruleId]));
    const fields = [...new Set([...Object.keys(source ?? {}), ...Object.keys(target ?? {})])];
    return fields.map((field) => ({ field, source: source?.[field], target: target?.[field], diff: diffs.get(field), rule: ignoredBy.get(field) }));
  }, [source, target, fieldDiffs, ignored]);
  const sourceMissing = !source;
  const targetMissing = !target;
  const columns = useMemo(() => fieldColumns({ sourceMissing, targetMissing }), [sourceMissing, targetMissing]);
  const table = useTable({ features, columns, data: rows, getRowId: (row) => row.field });
  return (
    <DataTableView
      table={table}
      fixed
      empty={null}
      rowProps={(row) => (row.original.diff ? { className: "bg-rose-50", "data-differs": "true", "aria-label": `${row.original.field} differs` } : {})}
    />
  );
}
