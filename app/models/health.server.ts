import type postgres from "postgres";
import type { HealthSide } from "../../db/schema";
import { readSettingWith, saveSetting, SETTING_KEYS } from "./setting.server";
import type { HealthReading } from "~/health/collect.server";
import { seriesPointsOf } from "~/health/series";
import { parseStoredThresholds, type HealthThresholds } from "~/health/thresholds";
import type { XidCounterSample } from "~/health/xid-forecast";
import type { Actor } from "~/models/audit.server";
import { controlSql } from "~/utils/db.server";

/**
 * Health readings and series in the control DB. Functions take the postgres.js client as a last, optional
 * argument so the collector cycle can be tested against a scratch control database.
 */

export const RAW_RETENTION_MS = 48 * 3_600_000;
export const HOURLY_RETENTION_MS = 90 * 86_400_000;
/** Blockers, vacuums and nodes are only ever shown for the latest reading: older detail is dropped early. */
const RAW_CHART_SPAN_MS = 12 * 3_600_000;
export const DETAIL_RETENTION_MS = 2 * 3_600_000;

// The control client is shared with drizzle, which turns off postgres.js' timestamp (de)serialisation:
// pass ISO strings with a cast, and read moments back as epoch milliseconds.
function toDate(value: Date | string | number): Date {
  return value instanceof Date ? value : new Date(Number(value));
}

/** jsonb arrives as text through the drizzle-configured client and as objects through a plain one. */
function fromJson(value: unknown): unknown {
  return typeof value === "string" ? JSON.parse(value) : value;
}

export interface StoredReading {
  side: HealthSide;
  collectedAt: Date;
  ok: boolean;
  error: string | null;
  xidRate: number | null;
  reading: HealthReading | null;
}

/** Claims this cycle for one side; null when another worker already has it (one sample per cycle). */
export async function claimHealthSlot(side: HealthSide, slot: number, at: Date, sql: postgres.Sql = controlSql()): Promise<number | null> {
  const rows = await sql<{ id: number }[]>`
    insert into health_readings (side, slot, collected_at, ok, error)
    values (${side}, ${slot}, ${at.toISOString()}::timestamptz, false, 'collecting')
    on conflict (side, slot) do nothing
    returning id`;
  return rows[0] ? Number(rows[0].id) : null;
}

/** Completes a claimed reading and appends its figures to the raw series and the current hour's aggregate. */
export async function saveHealthReading(
  id: number,
  side: HealthSide,
  reading: HealthReading,
  xidRate: number | null,
  sql: postgres.Sql = controlSql(),
): Promise<void> {
  const at = new Date(reading.collectedAt);
  const points = reading.ok ? seriesPointsOf(reading.xid, reading.capacity) : [];
  await sql.begin(async (tx) => {
    await tx`
      update health_readings set
        collected_at = ${at.toISOString()}::timestamptz, ok = ${reading.ok}, error = ${reading.ok ? null : reading.error},
        engine = ${reading.ok ? reading.engine.engine : null},
        engine_version = ${reading.ok ? reading.engine.version : null},
        next_xid = ${reading.ok && reading.xid ? reading.xid.nextXid : null},
        xid_rate = ${xidRate}, detail = ${JSON.stringify(reading)}::jsonb
      where id = ${id}`;
    if (points.length === 0) return;
    const rows = points.map((p) => ({ side, metric: p.metric, subject: p.subject, resolution: "raw", at: at.toISOString(), value: p.value, peak: p.value }));
    await tx`insert into health_series ${tx(rows)} on conflict do nothing`;
    // Keep this hour's aggregate current, so long-range charts never wait for a separate downsampling run.
    await tx`
      insert into health_series (side, metric, subject, resolution, at, value, peak)
      select side, metric, subject, 'hour', date_trunc('hour', at), avg(value), max(peak)
      from health_series
      where resolution = 'raw' and side = ${side} and at >= date_trunc('hour', ${at.toISOString()}::timestamptz)
        and at < date_trunc('hour', ${at.toISOString()}::timestamptz) + interval '1 hour'
      group by side, metric, subject, date_trunc('hour', at)
      on conflict (resolution, side, metric, subject, at) do update set value = excluded.value, peak = excluded.peak`;
  });
}

/** XID counter readings since a moment: the input of the smoothed XID rate. */
export async function recentXidCounter(side: HealthSide, since: Date, sql: postgres.Sql = controlSql()): Promise<XidCounterSample[]> {
  const rows = await sql<{ at: number; next_xid: string }[]>`
    select (extract(epoch from collected_at) * 1000)::float8 as at, next_xid from health_readings
    where side = ${side} and collected_at >= ${since.toISOString()}::timestamptz and ok and next_xid is not null
    order by collected_at`;
  return rows.map((r) => ({ at: toDate(r.at).getTime(), nextXid: Number(r.next_xid) }));
}

/** Raw rows 48 h, hourly rows 90 days, reading detail 2 h. Cheap (index range deletes), run every cycle. */
export async function applyHealthRetention(now: Date, sql: postgres.Sql = controlSql()): Promise<void> {
  const rawBefore = new Date(now.getTime() - RAW_RETENTION_MS);
  const hourlyBefore = new Date(now.getTime() - HOURLY_RETENTION_MS);
  const detailBefore = new Date(now.getTime() - DETAIL_RETENTION_MS);
  await sql`delete from health_series where resolution = 'raw' and at < ${rawBefore.toISOString()}::timestamptz`;
  await sql`delete from health_series where resolution = 'hour' and at < ${hourlyBefore.toISOString()}::timestamptz`;
  await sql`delete from health_readings where collected_at < ${rawBefore.toISOString()}::timestamptz`;
  await sql`update health_readings set detail = null where collected_at < ${detailBefore.toISOString()}::timestamptz and detail is not null`;
}

function toStored(row: { side: HealthSide; collected_at: number; ok: boolean; error: string | null; xid_rate: number | null; detail: unknown }): StoredReading {
  return {
    side: row.side,
    collectedAt: toDate(row.collected_at),
    ok: row.ok,
    error: row.error,
    xidRate: row.xid_rate,
    reading: (fromJson(row.detail) as HealthReading | null) ?? null,
  };
}

/** The newest finished reading of a side and, if that one failed, the newest good one (shown "as of"). */
export async function latestReadings(
  side: HealthSide,
  sql: postgres.Sql = controlSql(),
): Promise<{ latest: StoredReading | null; lastGood: StoredReading | null }> {
  const [latest] = await sql<Parameters<typeof toStored>[0][]>`
    select side, (extract(epoch from collected_at) * 1000)::float8 as collected_at, ok, error, xid_rate, detail from health_readings
    where side = ${side} and error is distinct from 'collecting'
    order by collected_at desc limit 1`;
  if (!latest || latest.ok) return { latest: latest ? toStored(latest) : null, lastGood: latest ? toStored(latest) : null };
  const [good] = await sql<Parameters<typeof toStored>[0][]>`
    select side, (extract(epoch from collected_at) * 1000)::float8 as collected_at, ok, error, xid_rate, detail from health_readings
    where side = ${side} and ok and detail is not null
    order by collected_at desc limit 1`;
  return { latest: toStored(latest), lastGood: good ? toStored(good) : null };
}

export interface SeriesRow {
  metric: string;
  subject: string;
  at: Date;
  value: number;
  peak: number;
}

/**
 * Series of a side between two moments, in about `points` buckets per series: from raw rows for spans up to
 * 12 h, from hourly rows beyond (30 days = 720 rows per series, whatever the sampling rate was).
 */
export async function healthSeries(
  side: HealthSide,
  metrics: readonly string[],
  from: Date,
  to: Date,
  points = 300,
  sql: postgres.Sql = controlSql(),
): Promise<SeriesRow[]> {
  const span = to.getTime() - from.getTime();
  // Raw rows only for short spans: 48 h of 30 s samples is 5,760 rows per series, too slow to bucket per view.
  const resolution = span <= RAW_CHART_SPAN_MS ? "raw" : "hour";
  const bucketSeconds = Math.max(resolution === "raw" ? 30 : 3600, Math.ceil(span / 1000 / points));
  const rows = await sql<{ metric: string; subject: string; at: number; value: number; peak: number }[]>`
    select metric, subject, (floor(extract(epoch from at) / ${bucketSeconds}) * ${bucketSeconds} * 1000)::float8 as at,
      avg(value) as value, max(peak) as peak
    from health_series
    where resolution = ${resolution} and side = ${side} and metric = any(${metrics as string[]})
      and at >= ${from.toISOString()}::timestamptz and at <= ${to.toISOString()}::timestamptz
    group by 1, 2, 3
    order by 1, 2, 3`;
  return rows.map((r) => ({ metric: r.metric, subject: r.subject, at: toDate(r.at), value: Number(r.value), peak: Number(r.peak) }));
}

export async function getHealthThresholds(sql: postgres.Sql = controlSql()): Promise<HealthThresholds> {
  return parseStoredThresholds(fromJson(await readSettingWith(sql, SETTING_KEYS.healthThresholds)));
}

export async function saveHealthThresholds(thresholds: HealthThresholds, actor: Actor, reason: string | null): Promise<void> {
  const before = await getHealthThresholds();
  await saveSetting(SETTING_KEYS.healthThresholds, actor, () => ({ value: thresholds, action: "health.thresholds.update", reason, auditBefore: before }));
}
