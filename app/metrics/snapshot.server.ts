import { formatExposition, type MetricFamily } from "./prometheus";
import { controlSql } from "~/utils/db.server";

/**
 * Shared snapshots of the providers whose figures come from large tables (mismatch comparisons and records, the
 * population sample's evaluation). A scrape serves a snapshot up to SNAPSHOT_MAX_AGE_SECONDS old and, once it is
 * older than SNAPSHOT_FRESH_SECONDS, refreshes it after answering; past the hard bound it collects live. The
 * figures are windows of an hour or a cached sample of a minute, so 10-60 s of age changes no alert, and the age
 * is itself exported (cutover_metrics_snapshot_age_seconds).
 */
export const SNAPSHOT_FRESH_SECONDS = 10;
export const SNAPSHOT_MAX_AGE_SECONDS = 60;
/** How long one process's refresh claim holds before another may take over (a refresh that died). */
const CLAIM_SECONDS = 30;

/** A provider's figures as served: Prometheus text (formatted once, when collected) and its family names. */
export interface Snapshot {
  exposition: string;
  familyNames: string[];
  ageSeconds: number;
}

function render(families: MetricFamily[]): Omit<Snapshot, "ageSeconds"> {
  return { exposition: formatExposition(families), familyNames: [...new Set(families.map((f) => f.name))] };
}

/** The stored snapshots of these providers that are at most SNAPSHOT_MAX_AGE_SECONDS old. */
export async function readSnapshots(providers: readonly string[]): Promise<Map<string, Snapshot>> {
  const rows = await controlSql()<{ provider: string; exposition: string; family_names: string[]; age: number }[]>`
    select provider, exposition, family_names, extract(epoch from now() - collected_at)::float8 as age from metrics_snapshots
    where provider = any(${providers as string[]}) and exposition is not null
      and collected_at > now() - make_interval(secs => ${SNAPSHOT_MAX_AGE_SECONDS})`;
  return new Map(rows.map((r) => [r.provider, { exposition: r.exposition, familyNames: r.family_names, ageSeconds: Math.max(0, r.age) }]));
}

/** Stores figures collected from `startedAt` on, unless a newer collection got there first. */
async function store(provider: string, snapshot: Omit<Snapshot, "ageSeconds">, startedAt: Date) {
  await controlSql()`
    insert into metrics_snapshots (provider, exposition, family_names, collected_at)
    values (${provider}, ${snapshot.exposition}, ${snapshot.familyNames}, ${startedAt})
    on conflict (provider) do update set exposition = excluded.exposition, family_names = excluded.family_names,
      collected_at = excluded.collected_at, refreshing_until = null
    where metrics_snapshots.collected_at is null or metrics_snapshots.collected_at < excluded.collected_at`;
}

/** Collects a provider's figures now and stores them for the next scrapes (of any process). */
export async function collectAndStore(provider: string, collect: () => Promise<MetricFamily[]>): Promise<Snapshot> {
  const [{ now }] = await controlSql()<{ now: Date }[]>`select now()`;
  const snapshot = render(await collect());
  await store(provider, snapshot, now);
  return { ...snapshot, ageSeconds: 0 };
}

const refreshing = new Map<string, Promise<void>>();

/**
 * Refreshes a snapshot in the background: once per process at a time, and only by the process that claims it
 * in the table, so web processes behind one Prometheus do not all run the heavy queries.
 */
export function refreshInBackground(provider: string, collect: () => Promise<MetricFamily[]>): void {
  if (refreshing.has(provider)) return;
  const run = (async () => {
    const sql = controlSql();
    const [claim] = await sql<{ now: Date }[]>`
      insert into metrics_snapshots (provider, refreshing_until) values (${provider}, now() + make_interval(secs => ${CLAIM_SECONDS}))
      on conflict (provider) do update set refreshing_until = excluded.refreshing_until
      where (metrics_snapshots.refreshing_until is null or metrics_snapshots.refreshing_until < now())
        and (metrics_snapshots.collected_at is null or metrics_snapshots.collected_at < now() - make_interval(secs => ${SNAPSHOT_FRESH_SECONDS}))
      returning now() as now`;
    if (!claim) return;
    try {
      await store(provider, render(await collect()), claim.now);
    } finally {
      await sql`update metrics_snapshots set refreshing_until = null where provider = ${provider}`;
    }
  })()
    .catch((error) => {
      // The next scrape finds the snapshot older and tries again; past the hard bound it collects live and fails visibly.
      process.stderr.write(`metrics snapshot ${provider} refresh failed: ${error instanceof Error ? error.message : String(error)}\n`);
    })
    .finally(() => refreshing.delete(provider));
  refreshing.set(provider, run);
}

/** Waits for the background refreshes under way (a process shutting down, a test or benchmark). */
export async function settleSnapshotRefreshes(): Promise<void> {
  await Promise.all(refreshing.values());
}
