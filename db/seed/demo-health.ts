import postgres from "postgres";
import type { DemoUrls } from "./index";

const RAW_HOURS = 48;
/** healthSeries() reads raw rows for spans up to 12 h, hourly rows beyond. */
const RAW_CHART_HOURS = 12;
const HISTORY_DAYS = 7;
/** The collector's cadence (HEALTH_CYCLE_MS) and its sizes-every-10th-cycle rule. */
const CYCLE_SECONDS = 30;
const SIZE_EVERY_CYCLES = 10;
/** Older points only feed hourly aggregates (avg/max), so a quarter of an hour is fine-grained enough. */
const OLD_STEP_SECONDS = 900;
/** Case-study scale: about 700 M XIDs a day on average, peaking in the (US) school day. */
const XID_PER_SECOND = 8_000;
const XID_DIURNAL_SWING = 0.35;

interface SideFacts {
  database: string;
  databaseBytes: number;
  databases: string[];
  postgres: boolean;
}

/** What the live collector will report, so the history joins up with it (names, current sizes). */
async function sideFacts(url: string, fallback: SideFacts): Promise<SideFacts> {
  const sql = postgres(url, { max: 1, onnotice: () => {}, connect_timeout: 5 });
  try {
    const [row] = await sql<{ database: string; bytes: string; version: string }[]>`
      select current_database() as database, pg_database_size(current_database())::text as bytes, version() as version`;
    const databases = await sql<{ datname: string }[]>`select datname from pg_database order by datname`;
    return { database: row.database, databaseBytes: Number(row.bytes), databases: databases.map((d) => d.datname), postgres: !/cockroach/i.test(row.version) };
  } catch {
    // A side that cannot be read now shows up as down on the pages anyway; its history is still worth having.
    return fallback;
  } finally {
    await sql.end({ timeout: 5 });
  }
}

/**
 * Seven days of collector history so the Wraparound and Capacity charts are not empty on a fresh demo: raw rows for
 * the last 48 h (every minute for the 12 h that charts read raw) and hourly aggregates (avg/max, as the collector
 * computes them) for the whole week, ending one cycle before now so live readings carry on from it. The source
 * burns XIDs at the case study's scale, so database ages climb to about autovacuum_freeze_max_age (200 M) and drop
 * back when an anti-wraparound vacuum finishes; sizes grow toward the databases' real current sizes so runways fit
 * the live data. health_readings are left alone: only the latest (live) reading and its detail drive the figures,
 * and synthetic XID counters there would skew the live XID rate.
 */
export async function seedDemoHealthHistory(urls: DemoUrls) {
  const [source, target] = await Promise.all([
    sideFacts(urls.sourceUrl, { database: "kami", databaseBytes: 8 * 2 ** 30, databases: ["kami", "postgres", "template0", "template1"], postgres: true }),
    sideFacts(urls.targetUrl, { database: "kami", databaseBytes: 6 * 2 ** 30, databases: [], postgres: true }),
  ]);
  // Only the PostgreSQL shape of the target is written; a real CockroachDB target reports per-store series instead.
  const targetBytes = target.postgres ? target.databaseBytes : null;
  const rawCycles = (RAW_HOURS * 3600) / CYCLE_SECONDS;
  const chartCycles = (RAW_CHART_HOURS * 3600) / CYCLE_SECONDS;
  const historyCycles = (HISTORY_DAYS * 86400) / CYCLE_SECONDS;
  const cosineTerm = (XID_DIURNAL_SWING * 86400) / (2 * Math.PI);
  const sql = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  try {
    await sql.begin(async (tx) => {
      // generate_series hides the row count from the planner; its guess can turn on JIT, which costs more than the query.
      await tx`set local jit = off`;
      await tx`
        with bounds as (
          select floor(${Date.now() / 1000}::float8 / ${CYCLE_SECONDS})::bigint as slot
        ),
        moments as (
          -- Raw rows every other cycle for the 12 h that charts read raw (their buckets are 72 s or wider), every
          -- 10th beyond: older raw rows are kept, never charted, so the seed stays well under a second.
          select to_timestamp(s * ${CYCLE_SECONDS}) as at, true as raw, s % ${SIZE_EVERY_CYCLES} = 0 as sizes
          from bounds, generate_series(slot - ${rawCycles}, slot - 1) s
          where s % 2 = 0 and (s >= slot - ${chartCycles} or s % ${SIZE_EVERY_CYCLES} = 0)
          union all
          select to_timestamp(s * ${OLD_STEP_SECONDS}), false, true
          from bounds, generate_series(
            ((slot - ${historyCycles}) * ${CYCLE_SECONDS}) / ${OLD_STEP_SECONDS},
            ((slot - ${rawCycles}) * ${CYCLE_SECONDS}) / ${OLD_STEP_SECONDS} - 1) s
        ),
        model as (
          select at, raw, sizes,
            -- Fraction of the week elapsed (0..1), for sizes that grow steadily toward today's size.
            (extract(epoch from at) - (b.slot - ${historyCycles}) * ${CYCLE_SECONDS}) / ${HISTORY_DAYS * 86400}::float8 as week,
            sin(2 * pi() * (extract(epoch from at) - 43200) / 86400) as daily,
            -- XIDs consumed: the integral of a rate swinging around its mean over the day (never negative).
            ${XID_PER_SECOND}::float8 * (extract(epoch from at) - ${cosineTerm}::float8 * cos(2 * pi() * (extract(epoch from at) - 43200) / 86400)) as xids
          from moments, bounds b
        ),
        databases as (
          select name, i, name = ${source.database} as busy from unnest(${source.databases}::text[]) with ordinality d(name, i)
        ),
        points as (
          select 'source' as side, 'next_xid' as metric, '' as subject, at, raw, 41e9 + xids as value from model
          union all
          -- Each database's age falls back to its floor when its anti-wraparound vacuum completes; the busy
          -- database's biggest tables take hours to freeze, so it overshoots 200 M before dropping.
          select 'source', 'xid_age', d.name, at, raw,
            case when d.busy then 48e6 + mod(xids::numeric, 182e6)::float8 else 20e6 + mod((xids + d.i * 41e6)::numeric, 170e6)::float8 end
          from model cross join databases d
          union all
          select 'source', 'mxid_age', d.name, at, raw, 1.2e6 + mod((xids * 0.004 + d.i * 3e5)::numeric, 24e6)::float8
          from model cross join databases d
          union all
          select 'source', 'connections', '', at, raw, round(150 + 90 * daily) from model
          union all
          select 'source', 'commits_total', '', at, raw, 6.1e9 + 1.6 * xids from model
          union all
          select 'source', 'wal_bytes_total', '', at, raw, 8.4e13 + 2400 * xids from model
          union all
          select 'source', 'database_bytes', ${source.database}, at, raw, round(${source.databaseBytes}::float8 * (0.7 + 0.3 * week) * (1 + 0.002 * daily))
          from model where sizes
          union all
          select 'target', 'database_bytes', ${target.database}, at, raw, round(${targetBytes}::float8 * (0.97 + 0.03 * week))
          from model where sizes and ${targetBytes}::float8 is not null
        ),
        raw_rows as (
          insert into health_series (side, metric, subject, resolution, at, value, peak)
          select side, metric, subject, 'raw', at, value, value from points where raw
          on conflict do nothing
        )
        insert into health_series (side, metric, subject, resolution, at, value, peak)
        select side, metric, subject, 'hour', date_trunc('hour', at), avg(value), max(value)
        from points
        group by side, metric, subject, date_trunc('hour', at)
        on conflict do nothing`;
    });
  } finally {
    await sql.end({ timeout: 5 });
  }
}
