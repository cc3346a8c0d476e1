/** Before/after of an audited change, compact: only keys that changed, for objects. */
export function ChangeSummary({ before, after }: { before: unknown; after: unknown }) {
  if (isObject(before) && isObject(after)) {
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].filter(
      (k) => JSON.stringify(before[k]) !== JSON.stringify(after[k]),
    );
    if (keys.length === 0) return <span className="text-slate-400">no field changed</span>;
    return (
      <ul className="space-y-0.5">
        {keys.map((k) => (
          <li key={k} className="font-mono text-xs">
            <span className="text-slate-500">{k}:</span> <del className="text-red-700">{short(before[k])}</del> →{" "}
            <ins className="text-emerald-700 no-underline">{short(after[k])}</ins>
          </li>
        ))}
      </ul>
    );
  }
  return (
    <span className="font-mono text-xs">
      {before !== null && before !== undefined ? <del className="text-red-700">{short(before)}</del> : null}
      {before !== null && before !== undefined && after !== null && after !== undefined ? " → " : null}
      {after !== null && after !== undefined ? <ins className="text-emerald-700 no-underline">{short(after)}</ins> : null}
    </span>
  );
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === "object" && value !== null && !Array.isArray(value);
}

function short(value: unknown) {
  const text = JSON.stringify(value) ?? "null";
  return text.length > 120 ? `${text.slice(0, 117)}…` : text;
}
