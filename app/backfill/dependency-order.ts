/**
 * Orders tables so that a table comes after the tables its foreign keys reference (parents first), keeping the
 * given order among tables that do not depend on each other. A cycle (or a self reference) cannot be ordered:
 * its tables keep their given order, after everything that could be.
 */
export function dependencyOrder<T extends { id: string }>(tables: T[], references: { from: string; to: string }[]): T[] {
  const ids = new Set(tables.map((t) => t.id));
  const parents = new Map<string, Set<string>>(tables.map((t) => [t.id, new Set<string>()]));
  for (const r of references) if (r.from !== r.to && ids.has(r.from) && ids.has(r.to)) parents.get(r.from)!.add(r.to);
  const placed = new Set<string>();
  const ordered: T[] = [];
  for (let progress = true; progress;) {
    progress = false;
    for (const t of tables) {
      if (placed.has(t.id) || [...parents.get(t.id)!].some((p) => !placed.has(p))) continue;
      placed.add(t.id);
      ordered.push(t);
      progress = true;
    }
  }
  return [...ordered, ...tables.filter((t) => !placed.has(t.id))];
}
