/** The look of every form control (select, input, text area), so a form reads as one piece. */
export const CONTROL_CLASS =
  "rounded border border-slate-300 bg-white px-2 py-1 focus:border-sky-500 focus:outline-none focus:ring-1 focus:ring-sky-500 disabled:bg-slate-50 disabled:text-slate-500";
