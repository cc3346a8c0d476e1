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
  const diffs = new Map(fieldDiffs.map((d) => [d.field, d]));
  const ignoredBy = new Map(ignored.map((i) => [i.field, i.ruleId]));
  const fields = [...new Set([...Object.keys(source ?? {}), ...Object.keys(target ?? {})])];
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full table-fixed divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50 text-left text-xs font-semibold uppercase text-slate-600">
          <tr>
            <th className="w-48 px-3 py-2">Column</th>
            <th className="px-3 py-2">Source (PostgreSQL){source ? "" : " — no row"}</th>
            <th className="px-3 py-2">Target (CockroachDB){target ? "" : " — no row"}</th>
          </tr>
        </thead>
        <tbody className="divide-y divide-slate-100">
          {fields.map((field) => {
            const diff = diffs.get(field);
            const rule = ignoredBy.get(field);
            return (
              <tr key={field} className={diff ? "bg-rose-50" : undefined} data-differs={diff ? "true" : undefined} aria-label={diff ? `${field} differs` : undefined}>
                <th scope="row" className="px-3 py-2 text-left align-top font-mono text-xs font-medium">
                  {field}
                  <div className="mt-1 space-x-1">
                    {diff ? <Badge tone="critical">{CLASSIFICATION_LABELS[diff.classification] ?? diff.classification}</Badge> : null}
                    {rule ? <Badge tone="info">{`normalized by rule ${rule.slice(0, 8)}`}</Badge> : null}
                  </div>
                </th>
                <td className="whitespace-pre-wrap break-all px-3 py-2 align-top font-mono text-xs">
                  <Value value={source?.[field]} />
                </td>
                <td className="whitespace-pre-wrap break-all px-3 py-2 align-top font-mono text-xs">
                  <Value value={target?.[field]} />
                  {isSensitiveHash(source?.[field]) || isSensitiveHash(target?.[field]) ? (
                    <span className="ml-2 font-sans">{source?.[field] === target?.[field] ? "(equal to the source)" : "(different from the source)"}</span>
                  ) : null}
                  {diff?.jsonDiffs?.length ? (
                    <ul className="mt-2 space-y-0.5 border-t border-rose-200 pt-1" aria-label={`JSON differences in ${field}`}>
                      {diff.jsonDiffs.map((j) => (
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
                </td>
              </tr>
            );
          })}
        </tbody>
      </table>
    </div>
  );
}
