import { Form } from "@remix-run/react";
import { createColumnHelper, tableFeatures, useTable } from "@tanstack/react-table";
import { useMemo } from "react";
import { DataTableView } from "~/components/data-table/data-table-view";
import { Badge } from "~/components/ui/badge";
import { Button } from "~/components/ui/button";
import { RULE_KIND_LABELS, type RuleKind } from "../../normalization/types";
import { Time } from "~/components/ui/time";

/** A rule as the rules page's loader serializes it. */
export interface NormalizationRuleTableRow {
  id: string;
  kind: RuleKind;
  tableName: string;
  columnName: string;
  digits: number | null;
  tolerance: number | null;
  authorLabel: string;
  reason: string;
  expiresAt: string | null;
}

const features = tableFeatures({});
const helper = createColumnHelper<typeof features, NormalizationRuleTableRow>();

function ruleColumns({ canEdit, now }: { canEdit: boolean; now: string }) {
  return helper.columns([
    helper.accessor("tableName", {
      header: "Scope",
      meta: { cellClassName: "font-mono text-xs" },
      cell: ({ row }) => `${row.original.tableName}.${row.original.columnName}`,
    }),
    helper.accessor("kind", {
      header: "Rule",
      cell: ({ row: { original: r } }) => (
        <>
          {RULE_KIND_LABELS[r.kind]}
          {r.kind === "timestamp_precision" ? ` (${r.digits} digits)` : ""}
          {r.kind === "float_tolerance" ? ` (±${r.tolerance})` : ""}
        </>
      ),
    }),
    helper.accessor("authorLabel", {
      header: "Author and reason",
      meta: { cellClassName: "text-xs" },
      cell: ({ row }) => (
        <>
          <div>{row.original.authorLabel}</div>
          <div className="text-slate-500">{row.original.reason}</div>
        </>
      ),
    }),
    helper.accessor("expiresAt", {
      header: "Expires",
      meta: { cellClassName: "text-xs" },
      cell: ({ row: { original: r } }) =>
        r.expiresAt ? (
          <>
            <Time at={r.expiresAt} /> {r.expiresAt <= now ? <Badge tone="warning">expired</Badge> : null}
          </>
        ) : (
          "never"
        ),
    }),
    helper.display({
      id: "actions",
      header: "",
      cell: ({ row: { original: r } }) =>
        canEdit ? (
          <Form method="post">
            <input type="hidden" name="intent" value="delete" />
            <input type="hidden" name="id" value={r.id} />
            <Button type="submit" variant="secondary" aria-label={`Delete rule ${r.tableName}.${r.columnName}`}>
              Delete
            </Button>
          </Form>
        ) : null,
    }),
  ]);
}

/** The normalization rules in force, newest first; an engineer can delete one. */
export function NormalizationRuleTable({ rules, canEdit, now }: { rules: NormalizationRuleTableRow[]; canEdit: boolean; now: string }) {
  const columns = useMemo(() => ruleColumns({ canEdit, now }), [canEdit, now]);
  const table = useTable({ features, columns, data: rules, getRowId: (row) => row.id });
  return <DataTableView table={table} variant="plain" empty="No rules: every difference is a mismatch." />;
}
