/**
 * Triage list and grouped view server time with 1,000,000 mismatch records (target: p95 < 100 ms; detail < 50 ms).
 * Seeds the rows with one generate_series INSERT, then times the model functions the routes call: the first page,
 * a deep keyset page, filtered pages, the grouped view and the detail. Prints p50/p95 per query.
 * Uses BENCH_DATABASE_URL (a server admin URL) if set, else a throw-away embedded PostgreSQL.
 *   npm run bench:mismatch-triage
 *   BENCH_DATABASE_URL=postgres://postgres@127.0.0.1:5432/postgres npm run bench:mismatch-triage
 * BENCH_ROWS (default 1,000,000) and BENCH_RUNS (default 100) tune it.
 */
import postgres from "postgres";
import { benchControlDatabase } from "./support/control-database";

const ROWS = Number(process.env.BENCH_ROWS ?? 1_000_000);
const RUNS = Number(process.env.BENCH_RUNS ?? 100);

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

async function time(label: string, run: (i: number) => Promise<unknown>) {
  await run(0);
  const samples: number[] = [];
  for (let i = 0; i < RUNS; i++) {
    const started = performance.now();
    await run(i);
    samples.push(performance.now() - started);
  }
  samples.sort((a, b) => a - b);
  console.log(`${label.padEnd(44)} p50 ${percentile(samples, 50).toFixed(1).padStart(7)} ms   p95 ${percentile(samples, 95).toFixed(1).padStart(7)} ms`);
}

async function main() {
  const control = await benchControlDatabase("mismatch-triage");
  const controlUrl = control.url;

  const sql = postgres(controlUrl, { max: 1, onnotice: () => {} });
  const seedStarted = performance.now();
  // 20 tables x 3 field signatures = 60 groups; 5% of records share a timestamp with others (page boundaries).
  await sql`
    insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, source_value,
      target_value, differing_fields, status, occurrences, first_seen_at, last_seen_at)
    select md5(i::text), md5((i % 20)::text || ':' || (i % 3)::text),
      (array['shadow_read','dual_write_error','reconciliation'])[1 + i % 3]::mismatch_origin, 'value_mismatch',
      'table_' || (i % 20), jsonb_build_object('id', i), 'user-' || (i % 100000), 'cohort-' || (i % 7),
      jsonb_build_object('id', i, 'title', 'A', 'updated_at', '2024-03-01 10:00:00.123456+00'),
      jsonb_build_object('id', i, 'title', 'B', 'updated_at', '2024-03-01 10:00:00.123+00'),
      case i % 3 when 0 then array['title', 'updated_at'] when 1 then array['title', 'pages'] else array['owner_id', 'pages'] end,
      (array['open','open','open','investigating','resolved','ignored'])[1 + i % 6]::mismatch_status,
      1 + i % 5, now() - make_interval(secs => i * 2), now() - make_interval(secs => (i / 20) * 20)
    from generate_series(1, ${ROWS}) as i`;
  await sql`
    insert into mismatch_groups (key, table_name, kind, differing_fields, records, occurrences, first_seen_at, last_seen_at)
    select group_key, min(table_name), 'value_mismatch', min(differing_fields::text)::text[], count(*), sum(occurrences), min(first_seen_at), max(last_seen_at)
    from mismatches group by group_key`;
  await sql`
    insert into mismatch_hourly (hour, group_key, origin, cohort_id, occurrences)
    select date_trunc('hour', last_seen_at), group_key, origin, cohort_id, sum(occurrences) from mismatches group by 1, 2, 3, 4`;
  // What autovacuum does after a bulk load (PostgreSQL 13+): statistics, and the visibility map index-only scans need.
  await sql`vacuum analyze`;
  console.log(`seeded ${ROWS.toLocaleString("en")} records in ${((performance.now() - seedStarted) / 1000).toFixed(1)} s`);

  const { listMismatches, getMismatch } = await import("../app/models/mismatch.server");
  const { listMismatchGroups, listMismatchTables, mismatchesPerHour, mismatchStatusCounts } = await import("../app/models/mismatch-stats.server");
  const { mismatchQuerySchema } = await import("../app/mismatches/query");
  const { cohortRatesAgainstBudget } = await import("../app/models/comparison.server");
  const { closeControlDb } = await import("../app/utils/db.server");
  const base = mismatchQuerySchema.parse({});
  let deepCursor: string | null = null;
  {
    let cursor: string | undefined;
    for (let i = 0; i < 200; i++) {
      const page = await listMismatches({ ...base, cursor });
      cursor = page.nextCursor ?? undefined;
    }
    deepCursor = cursor ?? null;
  }
  await time("list: first page (last seen desc)", () => listMismatches(base));
  await time("list: page 200 (keyset)", () => listMismatches({ ...base, cursor: deepCursor ?? undefined }));
  await time("list: table filter", (i) => listMismatches({ ...base, table: `table_${i % 20}` }));
  await time("list: status=investigating", () => listMismatches({ ...base, status: ["investigating"] }));
  // "open" has no index of its own (new records enter none of the status indexes): the last-seen index, filtered.
  await time("list: status=open (last-seen index, filtered)", () => listMismatches({ ...base, status: ["open"] }));
  await time("list: status=investigating+ignored", () => listMismatches({ ...base, status: ["investigating", "ignored"] }));
  await time("list: user filter", (i) => listMismatches({ ...base, userId: `user-${i * 7}` }));
  await time("list: sort by occurrences", () => listMismatches({ ...base, sort: "occurrences" }));
  // Past every record seen more than once: the records seen once, in id order.
  const onceCursor = Buffer.from(JSON.stringify(["1", ROWS])).toString("base64url");
  await time("list: sort by occurrences, among records seen once", () => listMismatches({ ...base, sort: "occurrences", cursor: onceCursor }));
  // Served by the last-seen index with a filter (no index of their own): common values are cheap, rare ones scan.
  await time("list: cohort filter (no index, 1 in 7)", (i) => listMismatches({ ...base, cohort: `cohort-${i % 7}` }));
  await time("list: field filter (no index, 1 in 3)", () => listMismatches({ ...base, field: "owner_id" }));
  await time("list: table + field filter (1 in 60)", (i) => listMismatches({ ...base, table: `table_${i % 20}`, field: "owner_id" }));
  await time("list: sort by first seen", () => listMismatches({ ...base, sort: "first_seen" }));
  await time("grouped view (60 groups, 24 h sparklines)", () => listMismatchGroups());
  await time("page charts: status counts", () => mismatchStatusCounts());
  await time("page charts: per hour (48 h)", () => mismatchesPerHour(48));
  // What the /mismatches loader awaits besides the session: the list or the groups, and the charts beside them.
  const charts = () => [listMismatchTables(), mismatchesPerHour(48), mismatchStatusCounts(), cohortRatesAgainstBudget()];
  await time("list page loader (page + charts)", () => Promise.all([listMismatches(base), ...charts()]));
  await time("grouped page loader (groups + charts)", () => Promise.all([listMismatchGroups(), ...charts()]));
  await time("detail page (record + notes + history + diff)", (i) => getMismatch(1 + ((i * 7919) % ROWS)));

  // "open" has no index of its own: once triage has closed nearly everything, the filtered last-seen walk is long.
  let openShare = 0.5;
  for (const share of [0.01, 0.001]) {
    await sql`update mismatches set status = 'resolved' where status = 'open' and random() > ${share / openShare}`;
    openShare = share;
    await sql`analyze mismatches`;
    const [{ n }] = await sql`select count(*)::int as n from mismatches where status = 'open'`;
    await time(`list: status=open, ${n.toLocaleString("en")} open (${share * 100}%)`, () => listMismatches({ ...base, status: ["open"] }));
  }

  await sql.end();
  await closeControlDb();
  await control.drop();
}

main().catch((error) => {
  console.error(error);
  process.exit(1);
});
