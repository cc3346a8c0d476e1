import { summarizeChange, summarizeFieldDiff, type ChangeLine, type NameMap } from "~/audit/change-summary";

/** An audited change in words: only what changed, names instead of ids, a note as a note. */
export function ChangeSummary({ before, after, names }: { before: unknown; after: unknown; names?: NameMap }) {
  return <ChangeLines lines={summarizeChange(before, after, names)} />;
}

/** A stored field-by-field diff (cohort history) in the same words. */
export function FieldDiffSummary({ diff, names }: { diff: Record<string, { before?: unknown; after?: unknown }>; names?: NameMap }) {
  return <ChangeLines lines={summarizeFieldDiff(diff, names)} />;
}

function ChangeLines({ lines }: { lines: ChangeLine[] }) {
  if (lines.length === 0) return <span className="text-slate-400">no field changed</span>;
  return (
    <ul className="space-y-0.5 text-xs" aria-label="Change">
      {lines.map((line, i) =>
        line.kind === "note" ? (
          <li key={i}>
            <span className="text-slate-500">note:</span> <q className="whitespace-pre-wrap break-words">{line.text}</q>
          </li>
        ) : (
          <li key={i} className="break-words">
            <span className="text-slate-500">{line.label}:</span> {line.text}
          </li>
        ),
      )}
    </ul>
  );
}
