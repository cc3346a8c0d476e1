import postgres from "postgres";
import { DEFAULT_HEALTH_THRESHOLDS, parseStoredThresholds } from "../../app/health/thresholds";
import type { DemoUrls } from "./urls";

const GIB = 2 ** 30;
/** The demo's volume is assumed four times the source database's size at seed time, in whole GiB. */
const DISK_TO_DATABASE = 4;

/**
 * PostgreSQL cannot report the size of the volume it lives on, so the Capacity runway needs one set by hand. The
 * embedded demo has no real volume to read either: the seed sets an assumed size, through the same settings value
 * and with an audit entry that says it is the demo's assumption, so Capacity shows a runway and anyone can see
 * where the figure came from (and change or clear it on the Capacity page).
 */
export async function seedDemoDiskSize(urls: DemoUrls) {
  const source = postgres(urls.sourceUrl, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  let databaseBytes: number;
  try {
    const [row] = await source<{ bytes: string }[]>`select pg_database_size(current_database())::text as bytes`;
    databaseBytes = Number(row.bytes);
  } catch {
    // A source that cannot be read now: leave the size unknown, as the pages then say.
    return;
  } finally {
    await source.end({ timeout: 5 });
  }
  const diskBytes = Math.max(1, Math.ceil((databaseBytes * DISK_TO_DATABASE) / GIB)) * GIB;
  const control = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  try {
    await control.begin(async (tx) => {
      const [stored] = await tx<{ value: unknown }[]>`select value from settings where key = 'health.thresholds' for update`;
      const before = stored ? parseStoredThresholds(stored.value) : DEFAULT_HEALTH_THRESHOLDS;
      if (before.sourceDiskBytes !== null) return; // someone set a real size already
      const after = { ...before, sourceDiskBytes: diskBytes };
      await tx`insert into settings (key, value) values ('health.thresholds', ${tx.json(after)})
               on conflict (key) do update set value = excluded.value, updated_at = now()`;
      await tx`insert into audit_log (actor_type, actor_id, actor_label, action, entity_type, entity_id, before, after, reason)
               values ('system', null, 'demo seed', 'health.thresholds.update', 'settings', 'health.thresholds',
                       ${tx.json(before)}, ${tx.json(after)},
                       ${`The demo's assumption, not a measurement: the embedded source's volume is taken as ${DISK_TO_DATABASE}x its database size at seed time (${diskBytes / GIB} GiB). Set the real volume size on the Capacity page.`})`;
    });
  } finally {
    await control.end({ timeout: 5 });
  }
}
