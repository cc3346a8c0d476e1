import type { ReactTable } from "@tanstack/react-table";
import type { RowData, TableFeatures } from "@tanstack/react-table";
import type { ReactNode } from "react";

/**
 * The markup every table in Cutover shares: header groups, rows and an empty state. State (sorting, paging,
 * filters) lives in the URL and on the server; each feature keeps its own column factory beside it.
 */
export function DataTableView<TFeatures extends TableFeatures, TData extends RowData>({
  table,
  columnCount,
  empty,
  rowClassName,
}: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any selector shape of useTable fits
  table: ReactTable<TFeatures, TData, any>;
  columnCount: number;
  empty: ReactNode;
  rowClassName?: (selected: boolean) => string | undefined;
}) {
  const rows = table.getRowModel().rows;
  return (
    <div className="overflow-x-auto rounded-lg border border-slate-200 bg-white">
      <table className="min-w-full divide-y divide-slate-200 text-sm">
        <thead className="bg-slate-50">
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th key={header.id} scope="col" className="px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600">
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
        <tbody className="divide-y divide-slate-100">
          {rows.map((row) => (
            <tr key={row.id} className={rowClassName?.(Boolean((row as { getIsSelected?: () => boolean }).getIsSelected?.()))}>
              {row.getAllCells().map((cell) => (
                <td key={cell.id} className="px-3 py-2 align-top">
                  <table.FlexRender cell={cell} />
                </td>
              ))}
            </tr>
          ))}
          {rows.length === 0 ? (
            <tr>
              <td colSpan={columnCount} className="px-3 py-8 text-center text-slate-500">
                {empty}
              </td>
            </tr>
          ) : null}
        </tbody>
      </table>
    </div>
  );
}
