/** One point in time of a multi-line chart: `at` (epoch ms) and each subject's value, null where it has none. */
export type SeriesRow = Record<string, number | null>;

/** A pause longer than this many typical steps between readings is drawn as a break in the lines. */
const GAP_STEPS = 3;

/** Series rows (metric, subject, at, value) into chart rows keyed by subject, with a break where readings paused. */
export function pivotSeries(rows: { subject: string; at: string | Date; value: number }[]): { rows: SeriesRow[]; subjects: string[] } {
  const byAt = new Map<number, SeriesRow>();
  const subjects = new Set<string>();
  for (const r of rows) {
    const at = new Date(r.at).getTime();
    const row = byAt.get(at) ?? { at };
    row[r.subject || "value"] = r.value;
    subjects.add(r.subject || "value");
    byAt.set(at, row);
  }
  const sorted = [...byAt.values()].sort((a, b) => (a.at as number) - (b.at as number));
  return { rows: breakGaps(sorted, [...subjects]), subjects: [...subjects] };
}

/**
 * Adds a row of nulls one typical step after each pause in the readings (Cutover stopped, a collector down), so a
 * chart that does not connect nulls stops its lines there instead of drawing readings nobody took. The typical
 * step is the median time between rows: the collector's cycle, or an hour for hourly rows.
 */
export function breakGaps(rows: SeriesRow[], subjects: string[]): SeriesRow[] {
  if (rows.length < 3) return rows;
  const at = (row: SeriesRow) => row.at as number;
  const steps = rows
    .slice(1)
    .map((row, i) => at(row) - at(rows[i]))
    .sort((a, b) => a - b);
  const step = steps[Math.floor(steps.length / 2)];
  if (!(step > 0)) return rows;
  const nulls = Object.fromEntries(subjects.map((s) => [s, null]));
  const out: SeriesRow[] = [rows[0]];
  for (let i = 1; i < rows.length; i++) {
    if (at(rows[i]) - at(rows[i - 1]) > GAP_STEPS * step) out.push({ ...nulls, at: at(rows[i - 1]) + step });
    out.push(rows[i]);
  }
  return out;
}
