import postgres from "postgres";
import { LATENCY_BOUNDS_MS, LATENCY_BUCKETS, type LatencyReport, type LatencySide } from "../../app/latency/histogram";
import { MAX_BATCH_LATENCIES } from "../../app/mismatches/contract";
import { ingestMismatches } from "../../app/models/mismatch-ingest.server";
import type { DemoUrls } from "./urls";
import { seededRandom } from "./seeded-random";

const MINUTE = 60_000;
const HOUR = 60 * MINUTE;
/** Every minute for the spans the page charts minute by minute (1 h, 6 h); beyond, one row per half hour. */
const MINUTE_ROWS_HOURS = 6;
const HISTORY_HOURS = 7 * 24;
const HALF_HOUR_MINUTES = 30;

/** The operations the traffic simulator runs (app/simulator/demo-operations.server.ts), as the client times them. */
interface Profile {
  table: string;
  operation: string;
  /** Calls a minute for "Everyone" at the day's peak. */
  perMinute: number;
  /** The source's median (ms) and spread (sigma of the log-normal). */
  sourceMedianMs: number;
  sigma: number;
  /** The target's median against the source's: a distributed database pays consensus on writes, less on reads. */
  targetFactor: number;
  errorRate: number;
}

const PROFILES: Profile[] = [
  { table: "annotations", operation: "insert annotation", perMinute: 40, sourceMedianMs: 1.8, sigma: 0.55, targetFactor: 2.6, errorRate: 0.0005 },
  { table: "comments", operation: "insert comment", perMinute: 15, sourceMedianMs: 1.6, sigma: 0.5, targetFactor: 2.2, errorRate: 0.0005 },
  { table: "documents", operation: "insert document", perMinute: 6, sourceMedianMs: 2.4, sigma: 0.5, targetFactor: 2.0, errorRate: 0.001 },
  { table: "documents", operation: "rename document", perMinute: 8, sourceMedianMs: 1.2, sigma: 0.45, targetFactor: 1.7, errorRate: 0.0005 },
  { table: "annotations", operation: "select annotations of a document", perMinute: 60, sourceMedianMs: 2.2, sigma: 0.6, targetFactor: 1.3, errorRate: 0.0002 },
  { table: "documents", operation: "select document by id", perMinute: 90, sourceMedianMs: 0.6, sigma: 0.4, targetFactor: 1.15, errorRate: 0.0001 },
];

/** The incident the mismatch history tells (db/seed/demo-mismatches.ts): target timeouts on annotation inserts. */
const INCIDENT_HOURS_AGO: [number, number] = [29, 31];

/** The standard normal CDF (Abramowitz and Stegun 7.1.26, error below 1.5e-7): plenty for a demo's buckets. */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? (1 + erf) / 2 : (1 - erf) / 2;
}

/**
 * `count` timings of a log-normal latency spread over the one bucket layout: each bucket gets its share of the
 * probability (largest remainders rounded up, so the buckets add up to the count), and the sum of durations is
 * the distribution's mean times the count, kept inside what the buckets allow (the API's own check).
 */
function histogram(count: number, medianMs: number, sigma: number): { buckets: number[]; sumMs: number } {
  const mu = Math.log(medianMs);
  const shares: number[] = [];
  let below = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    const upTo = i < LATENCY_BOUNDS_MS.length ? normalCdf((Math.log(LATENCY_BOUNDS_MS[i]) - mu) / sigma) : 1;
    shares.push((upTo - below) * count);
    below = upTo;
  }
  const buckets = shares.map(Math.floor);
  let missing = count - buckets.reduce((a, b) => a + b, 0);
  const byRemainder = shares.map((s, i) => [s - Math.floor(s), i] as const).sort((a, b) => b[0] - a[0]);
  for (const [, i] of byRemainder) {
    if (missing-- <= 0) break;
    buckets[i]++;
  }
  let least = 0;
  let most = 0;
  for (let i = 0; i < LATENCY_BUCKETS; i++) {
    least += buckets[i] * (i === 0 ? 0 : LATENCY_BOUNDS_MS[i - 1]);
    most += buckets[i] * (i < LATENCY_BOUNDS_MS.length ? LATENCY_BOUNDS_MS[i] : Infinity);
  }
  const mean = Math.exp(mu + (sigma * sigma) / 2);
  const sumMs = Math.round(Math.min(most, Math.max(least, mean * count)) * 1000) / 1000;
  return { buckets, sumMs };
}

/**
 * A week of the clients' latency reports for the demo's operations, per cohort and side, so the Performance page,
 * the Overview's card and /metrics have figures on a fresh demo: every minute of the last 6 hours, one row per
 * half hour before that. The target is slower on writes than on reads, as CockroachDB would be, and its
 * annotation inserts timed out during the incident the mismatch history shows. Written through the ingestion
 * model (as the API stores reports), so it uses the app's control connection, which this checks.
 */
export async function seedDemoLatency(urls: DemoUrls) {
  if (process.env.CUTOVER_DATABASE_URL !== urls.controlUrl) {
    throw new Error("seedDemoLatency writes through the app's control connection: set CUTOVER_DATABASE_URL to the control URL first");
  }
  const control = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  let cohorts: { id: string; name: string }[];
  try {
    cohorts = await control<{ id: string; name: string }[]>`select id::text, name from cohorts order by priority`;
  } finally {
    await control.end({ timeout: 5 });
  }
  if (cohorts.length === 0) return;
  const next = seededRandom(20_260_317);
  const now = Date.now();
  const thisMinute = now - (now % MINUTE);
  // Rows start at minute boundaries: the last 6 hours each minute, before that each half hour (on the half hour).
  const windows: { start: number; minutes: number }[] = [];
  const minuteRowsFrom = thisMinute - MINUTE_ROWS_HOURS * HOUR;
  for (
    let at = minuteRowsFrom - (minuteRowsFrom % (HALF_HOUR_MINUTES * MINUTE)) - HALF_HOUR_MINUTES * MINUTE;
    at > now - HISTORY_HOURS * HOUR;
    at -= HALF_HOUR_MINUTES * MINUTE
  ) {
    windows.push({ start: at, minutes: HALF_HOUR_MINUTES });
  }
  windows.reverse();
  for (let at = windows.length ? windows[windows.length - 1].start + HALF_HOUR_MINUTES * MINUTE : minuteRowsFrom; at <= thisMinute; at += MINUTE) {
    windows.push({ start: at, minutes: 1 });
  }

  const reports: LatencyReport[] = [];
  for (const { start, minutes } of windows) {
    // Volume and a little latency follow the school day (busiest around 14:00 UTC).
    const diurnal = 0.6 + 0.4 * Math.sin(((new Date(start).getUTCHours() - 8) / 24) * 2 * Math.PI);
    const hoursAgo = (now - start) / HOUR;
    const incident = hoursAgo >= INCIDENT_HOURS_AGO[0] && hoursAgo <= INCIDENT_HOURS_AGO[1];
    for (const cohort of cohorts) {
      const share = cohort.name === "Everyone" ? 1 : cohort.name === "Internal staff" ? 0.08 : 0.4;
      for (const p of PROFILES) {
        const count = Math.max(1, Math.round(p.perMinute * share * diurnal * minutes * (0.85 + next() * 0.3)));
        const load = (1 + 0.2 * diurnal) * (0.92 + next() * 0.16);
        for (const side of ["source", "target"] as LatencySide[]) {
          const timedOut = side === "target" && incident && p.operation === "insert annotation";
          const median = p.sourceMedianMs * load * (side === "target" ? p.targetFactor : 1) * (timedOut ? 40 : 1);
          const { buckets, sumMs } = histogram(count, median, timedOut ? 1.1 : p.sigma);
          const rate = timedOut ? 0.08 : p.errorRate;
          const errors = Math.min(count, Math.floor(count * rate + next()));
          reports.push({
            cohort: cohort.id,
            table: p.table,
            operation: p.operation,
            side,
            windowStart: new Date(start).toISOString(),
            count,
            errors,
            sumMs,
            buckets,
          });
        }
      }
    }
  }
  for (let i = 0; i < reports.length; i += MAX_BATCH_LATENCIES) {
    await ingestMismatches({ mismatches: [], comparisons: [], latencies: reports.slice(i, i + MAX_BATCH_LATENCIES) }, { now: new Date(now) });
  }
}
