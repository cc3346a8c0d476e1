/** The triage list filtered to one group of the grouped view (table, kind, first differing field). */
export function groupRecordsPath(group: { table: string; kind: string; differingFields: string[] }): string {
  const params = new URLSearchParams({ table: group.table, kind: group.kind });
  if (group.differingFields[0]) params.set("field", group.differingFields[0]);
  return `/mismatches?${params}`;
}
