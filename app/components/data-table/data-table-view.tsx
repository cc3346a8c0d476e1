import type { ReactTable, Row } from "@tanstack/react-table";
import type { CellData, RowData, TableFeatures } from "@tanstack/react-table";
import type { HTMLAttributes, ReactNode } from "react";

/** How a column looks in the view; the column factories set it, so the view stays one generic loop. */
interface ViewMeta {
  /** Classes of the header cell and of every body cell of the column (alignment, width, truncation). */
  className?: string;
  /** Classes of the body cells only (fonts, wrapping). */
  cellClassName?: string;
  /** The column names its row: rendered as `<th scope="row">`, so the row is named after it. */
  rowHeader?: boolean;
}

declare module "@tanstack/table-core" {
  // eslint-disable-next-line @typescript-eslint/no-unused-vars, @typescript-eslint/no-empty-object-type -- the parameters must match the declaration merged into
  interface ColumnMeta<in out TFeatures extends TableFeatures, in out TData extends RowData, TValue extends CellData = CellData> extends ViewMeta {}
}

const VARIANT = {
  // A list of its own on a page: framed, scrolls sideways rather than squeezing its columns.
  framed: {
    frame: "overflow-x-auto rounded-lg border border-slate-200 bg-white",
    width: "min-w-full",
    table: "divide-y divide-slate-200",
    head: "bg-slate-50",
    th: "px-3 py-2 text-left text-xs font-semibold uppercase tracking-wide text-slate-600",
    body: "divide-y divide-slate-100",
    td: "px-3 py-2 align-top",
  },
  // A list inside a card: the card is the frame.
  plain: {
    frame: "",
    width: "w-full",
    table: "",
    head: "",
    th: "py-1 pr-3 text-left text-xs font-semibold uppercase text-slate-500",
    body: "divide-y divide-slate-100",
    td: "py-1 pr-3 align-top",
  },
} as const;

// A fixed layout fills its frame; a `minWidth` below which it scrolls sideways keeps columns from squeezing to nothing.
const FIXED = "w-full table-fixed";

// A generic table's meta resolves to `object` (features may declare their own meta type): read ours by name.
const metaOf = (column: { columnDef: { meta?: unknown } }) => column.columnDef.meta as ViewMeta | undefined;

type RowAttributes = Pick<HTMLAttributes<HTMLTableRowElement>, "className" | "aria-label" | "title"> & { [data: `data-${string}`]: string | undefined };

/**
 * The markup every table in Cutover shares: header groups, rows and an empty state. State (sorting, paging,
 * filters) lives in the URL and on the server; each feature keeps its own column factory beside it.
 */
export function DataTableView<TFeatures extends TableFeatures, TData extends RowData>({
  table,
  empty,
  label,
  variant = "framed",
  dense = false,
  fixed = false,
  headless = false,
  minWidth = "",
  rowProps,
}: {
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- any selector shape of useTable fits
  table: ReactTable<TFeatures, TData, any>;
  /** Shown in one full-width row when there are no rows; `null` renders no such row. */
  empty: ReactNode;
  /** The table's accessible name (`getByRole("table", { name })`). */
  label?: string;
  variant?: keyof typeof VARIANT;
  /** Extra-small text, for logs and secondary lists. */
  dense?: boolean;
  /** `table-layout: fixed`: columns keep the widths their meta gives, long values truncate instead of widening. */
  fixed?: boolean;
  /** A Tailwind min-width class (`min-w-[64rem]`): narrower frames scroll the table sideways. */
  minWidth?: string;
  /** No header row: a short list whose cells say what they are (a card's top five, say). */
  headless?: boolean;
  rowProps?: (row: Row<TFeatures, TData>) => RowAttributes;
}) {
  const style = VARIANT[variant];
  const rows = table.getRowModel().rows;
  const columnCount = table.getAllLeafColumns().length;
  const markup = (
    <table aria-label={label} className={`${style.table} ${dense ? "text-xs" : "text-sm"} ${fixed ? FIXED : style.width} ${minWidth}`}>
      {headless ? null : (
        <thead className={style.head}>
          {table.getHeaderGroups().map((group) => (
            <tr key={group.id}>
              {group.headers.map((header) => (
                <th
                  key={header.id}
                  scope="col"
                  colSpan={header.colSpan > 1 ? header.colSpan : undefined}
                  className={`${style.th} ${metaOf(header.column)?.className ?? ""}`}
                >
                  {header.isPlaceholder ? null : <table.FlexRender header={header} />}
                </th>
              ))}
            </tr>
          ))}
        </thead>
      )}
      <tbody className={style.body}>
        {rows.map((row) => (
          <tr key={row.id} {...rowProps?.(row)}>
            {row.getAllCells().map((cell) => {
              const meta = metaOf(cell.column);
              const className = `${style.td} ${meta?.className ?? ""} ${meta?.cellClassName ?? ""}`;
              return meta?.rowHeader ? (
                <th key={cell.id} scope="row" className={`${className} text-left font-normal`}>
                  <table.FlexRender cell={cell} />
                </th>
              ) : (
                <td key={cell.id} className={className}>
                  <table.FlexRender cell={cell} />
                </td>
              );
            })}
          </tr>
        ))}
        {rows.length === 0 && empty !== null ? (
          <tr>
            <td colSpan={columnCount} className="px-3 py-8 text-center text-slate-500">
              {empty}
            </td>
          </tr>
        ) : null}
      </tbody>
    </table>
  );
  return style.frame ? <div className={style.frame}>{markup}</div> : markup;
}
