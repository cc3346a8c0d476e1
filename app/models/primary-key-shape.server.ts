import { describeTable } from "../reconciliation/catalog";
import { keyShapeOf, type KeyShape } from "../normalization/primary-key";
import { sideSql } from "~/utils/databases.server";

/** Reads a table's key shape from a catalog; null when the table is unknown or has no key. */
export type KeyShapeReader = (schema: string, table: string) => Promise<KeyShape | null>;

// A table's key rarely changes: read it once per process and hour. An unknown table (an entity name, a source
// that could not answer) is asked again after a minute, so a table created later gets its real key columns.
const KNOWN_MS = 60 * 60_000;
const UNKNOWN_MS = 60_000;
// The API answers while the source is slow or down: past this wait a batch takes the fallback (`id`) form.
const LOOKUP_WAIT_MS = 2_000;

interface Entry {
  shape: KeyShape | null;
  until: number;
  pending: Promise<KeyShape | null> | null;
}

const cache = new Map<string, Entry>();

/** `schema.table`, or a table of `public` (how reconciliation names tables in its reports). */
export function splitReportedTable(name: string): { schema: string; table: string } {
  const dot = name.indexOf(".");
  return dot > 0 ? { schema: name.slice(0, dot), table: name.slice(dot + 1) } : { schema: "public", table: name };
}

/** The key shape of a table of the source database, from its catalog (describeTable). */
export const readSourceKeyShape: KeyShapeReader = async (schema, table) => keyShapeOf((await describeTable(sideSql("source"), schema, table)).table);

/**
 * The key shapes of the tables a batch names, from the cache when fresh (no await then), else read from the
 * source's catalog. A table whose catalog cannot be read in time has no shape (the fallback form).
 */
export async function keyShapesOf(tables: Iterable<string>, read: KeyShapeReader = readSourceKeyShape): Promise<Map<string, KeyShape | null>> {
  const shapes = new Map<string, KeyShape | null>();
  const waits: Promise<void>[] = [];
  const now = Date.now();
  for (const name of tables) {
    if (shapes.has(name)) continue;
    const entry = cache.get(name);
    if (entry && entry.until > now) {
      shapes.set(name, entry.shape);
      continue;
    }
    shapes.set(name, entry?.shape ?? null);
    waits.push(lookup(name, read).then((shape) => void shapes.set(name, shape)));
  }
  if (waits.length) {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, LOOKUP_WAIT_MS)));
    await Promise.race([Promise.all(waits), timeout]);
    clearTimeout(timer);
  }
  return shapes;
}

function lookup(name: string, read: KeyShapeReader): Promise<KeyShape | null> {
  const entry = cache.get(name) ?? { shape: null, until: 0, pending: null };
  cache.set(name, entry);
  if (entry.pending) return entry.pending;
  const { schema, table } = splitReportedTable(name);
  entry.pending = read(schema, table)
    .then(
      (shape) => ((entry.shape = shape), (entry.until = Date.now() + (shape ? KNOWN_MS : UNKNOWN_MS)), shape),
      // An unreadable catalog is not an ingestion error: the batch is stored in the fallback form.
      () => ((entry.until = Date.now() + UNKNOWN_MS), entry.shape),
    )
    .finally(() => (entry.pending = null));
  return entry.pending;
}

/** Forgets every cached shape (tests that create tables after a first report). */
export function forgetKeyShapes() {
  cache.clear();
}
