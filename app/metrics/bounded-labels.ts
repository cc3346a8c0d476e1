/**
 * Prometheus keeps one series per label set, so a label fed by reported data (a table name an application sends)
 * must not grow without bound: the `limit` largest keys keep their own series and the rest are summed into
 * OTHER_LABEL. Pure, so every provider bounds its labels the same way.
 */
export const OTHER_LABEL = "_other";

export function boundedByKey<T>(rows: readonly T[], key: (row: T) => string, weight: (row: T) => number, limit: number): Map<string, T[]> {
  const totals = new Map<string, number>();
  for (const row of rows) totals.set(key(row), (totals.get(key(row)) ?? 0) + weight(row));
  const kept = new Set(
    [...totals]
      .sort((a, b) => b[1] - a[1] || a[0].localeCompare(b[0]))
      .slice(0, limit)
      .map(([k]) => k),
  );
  const grouped = new Map<string, T[]>();
  for (const row of rows) {
    const label = kept.has(key(row)) ? key(row) : OTHER_LABEL;
    const list = grouped.get(label) ?? [];
    list.push(row);
    grouped.set(label, list);
  }
  return grouped;
}
