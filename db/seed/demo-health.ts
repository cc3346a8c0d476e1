import postgres from "postgres";
import type { DemoUrls } from "./urls";

const RAW_HOURS = 48;
/** healthSeries() reads raw rows for spans up to 12 h, hourly rows beyond. */
const RAW_CHART_HOURS = 12;
const HISTORY_DAYS = 7;
/** The collector's cadence (HEALTH_CYCLE_MS) and its sizes-every-10th-cycle rule. */
const CYCLE_SECONDS = 30;
const SIZE_EVERY_CYCLES = 10;
/** Older points only feed hourly aggregates (avg/max), so a quarter of an hour is fine-grained enough. */
const OLD_STEP_SECONDS = 900;

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
 * Seven days of size history so the Capacity charts are not empty on a fresh demo: raw rows for the last 48 h
 * (every minute for the 12 h that charts read raw) and hourly aggregates (avg/max, as the collector computes them)
 * for the whole week, ending one cycle before now so live readings carry on from it; sizes grow toward the
 * databases' real current sizes so runways fit the live data. No XID, commit or WAL history is seeded: the
 * Wraparound chart shows only what the collector has read from the databases, so it can never contradict the live
 * reading. health_readings are left alone: only the latest (live) reading and its detail drive the figures.
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
            sin(2 * pi() * (extract(epoch from at) - 43200) / 86400) as daily
          from moments, bounds b
        ),
        points as (
          select 'source' as side, 'database_bytes' as metric, ${source.database} as subject, at, raw,
            round(${source.databaseBytes}::float8 * (0.7 + 0.3 * week) * (1 + 0.002 * daily)) as value
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
