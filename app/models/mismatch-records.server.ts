import type postgres from "postgres";
import type { AggregatedComparison } from "../mismatches/prepare";
import { FIELD_SEPARATOR } from "../mismatches/signature";

// The mismatch records' store: merging prepared records (COPY text) and comparison counts into it, set-based. The
// direct ingestion path (mismatch-ingest) and the inbox's folders (mismatch-fold) both write through here.

type Tx = postgres.TransactionSql;

/**
 * Merges staged records (COPY text from `encodeRecords`, one line per signature: one batch, or several through
 * `mergeEncodedBatches`) into the stored ones in one
 * transaction: deduplicated on table + key + kind + differing-field signature (occurrences grow, first/last seen
 * widen, the latest values win), the grouped view and hourly counts maintained, comparison counts added per cohort,
 * table and window. The records go through COPY into a transaction-local table and are merged set-based in SQL.
 * Tables are written in one order and rows in key order, so concurrent writers wait instead of deadlocking.
 * Returns how many records were new and how many occurrences were written.
 */
export async function writeRecords(
  tx: Tx,
  copyText: string,
  comparisons: AggregatedComparison[],
  { copyAnswerMs = COPY_ANSWER_MS }: { copyAnswerMs?: number } = {},
): Promise<{ created: number; records: number }> {
  let created = 0;
  let records = 0;
  if (copyText.length) {
    await tx`
      create temp table mismatch_fold (
        signature text, group_key text, origin mismatch_origin, kind mismatch_kind, table_name text,
        primary_key jsonb, user_id text, cohort_id text, fingerprint text, source_value json, target_value json,
        fields text, rule_id uuid, job_id text, occurrences int, first_seen timestamptz, last_seen timestamptz,
        shadow_reads int, dual_writes int, reconciliations int
      ) on commit drop`;
    // The upsert sorts a fold's records (~10 MB for 20 batches): in memory, not in temp files.
    await tx`set local work_mem = '64MB'`;
    const writable = await tx`copy mismatch_fold from stdin`.writable();
    await new Promise<void>((resolve, reject) => {
      // postgres.js (3.4) drops an error the server raises during COPY FROM STDIN once the stream has ended, and
      // "finish" then never comes: fail (and roll back) rather than wait forever holding the claimed batches.
      const timer = setTimeout(() => reject(new CopyNoAnswerError(copyAnswerMs)), copyAnswerMs);
      writable.on("error", (error) => (clearTimeout(timer), reject(error)));
      writable.on("finish", () => (clearTimeout(timer), resolve()));
      writable.end(copyText);
    });
    const [result] = await tx`
      with upserted as (
        insert into mismatches (signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id,
          fingerprint, source_value, target_value, differing_fields, status, ignored_by_rule_id,
          reconciliation_job_id, occurrences, first_seen_at, last_seen_at, shadow_read_occurrences,
          dual_write_occurrences, reconciliation_occurrences)
        select signature, group_key, origin, kind, table_name, primary_key, user_id, cohort_id, fingerprint,
          source_value, target_value,
          case when fields = '' then '{}'::text[] else string_to_array(fields, ${FIELD_SEPARATOR}) end,
          (case when rule_id is null then 'open' else 'ignored' end)::mismatch_status, rule_id, job_id,
          occurrences, first_seen, last_seen, shadow_reads, dual_writes, reconciliations
        from mismatch_fold order by signature
        on conflict (signature) do update set
          occurrences = mismatches.occurrences + excluded.occurrences,
          shadow_read_occurrences = mismatches.shadow_read_occurrences + excluded.shadow_read_occurrences,
          dual_write_occurrences = mismatches.dual_write_occurrences + excluded.dual_write_occurrences,
          reconciliation_occurrences = mismatches.reconciliation_occurrences + excluded.reconciliation_occurrences,
          first_seen_at = least(mismatches.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(mismatches.last_seen_at, excluded.last_seen_at),
          -- Batches can be folded out of order: the latest occurrence's values are the ones worth showing.
          source_value = case when excluded.last_seen_at >= mismatches.last_seen_at then excluded.source_value else mismatches.source_value end,
          target_value = case when excluded.last_seen_at >= mismatches.last_seen_at then excluded.target_value else mismatches.target_value end,
          user_id = coalesce(excluded.user_id, mismatches.user_id),
          cohort_id = coalesce(excluded.cohort_id, mismatches.cohort_id),
          reconciliation_job_id = coalesce(excluded.reconciliation_job_id, mismatches.reconciliation_job_id),
          -- A problem marked resolved or repaired that happens again is open again.
          status = case when mismatches.status in ('resolved', 'repaired') then 'open'::mismatch_status else mismatches.status end,
          updated_at = now()
        returning group_key, (xmax = 0) as inserted
      ), created as (
        select group_key, count(*) filter (where inserted)::int as n from upserted group by group_key
      ), groups as (
        -- Aggregating over "created" consumes every upsert first: record rows are locked before group rows.
        insert into mismatch_groups (key, table_name, kind, differing_fields, records, occurrences, first_seen_at, last_seen_at)
        select f.group_key, min(f.table_name), min(f.kind::text)::mismatch_kind,
          case when min(f.fields) = '' then '{}'::text[] else string_to_array(min(f.fields), ${FIELD_SEPARATOR}) end,
          coalesce(max(c.n), 0), sum(f.occurrences), min(f.first_seen), max(f.last_seen)
        from mismatch_fold f left join created c on c.group_key = f.group_key
        group by f.group_key order by f.group_key
        on conflict (key) do update set
          records = mismatch_groups.records + excluded.records,
          occurrences = mismatch_groups.occurrences + excluded.occurrences,
          first_seen_at = least(mismatch_groups.first_seen_at, excluded.first_seen_at),
          last_seen_at = greatest(mismatch_groups.last_seen_at, excluded.last_seen_at)
        returning key
      )
      select (select coalesce(sum(n), 0)::int from created) as created, (select count(*)::int from groups) as groups,
        (select coalesce(sum(occurrences), 0)::int from mismatch_fold) as records`;
    created = result.created;
    records = result.records;
    // Occurrences folded into one record are attributed to its last hour: exact enough for a sparkline. A record
    // several origins reported counts under each of them.
    await tx`
      insert into mismatch_hourly (hour, group_key, origin, cohort_id, occurrences)
      select date_bin('1 hour', f.last_seen, timestamptz 'epoch'), f.group_key, o.origin, coalesce(f.cohort_id, ''), sum(o.n)
      from mismatch_fold f cross join lateral (values ('shadow_read'::mismatch_origin, f.shadow_reads),
        ('dual_write_error'::mismatch_origin, f.dual_writes), ('reconciliation'::mismatch_origin, f.reconciliations)) as o(origin, n)
      where o.n > 0
      group by 1, 2, 3, 4 order by 1, 2, 3, 4
      on conflict (hour, group_key, origin, cohort_id) do update set occurrences = mismatch_hourly.occurrences + excluded.occurrences`;
  }
  if (comparisons.length) await writeComparisons(tx, comparisons);
  return { created, records };
}

/** A fold's COPY takes well under a second; this is only the bound on a lost answer. */
const COPY_ANSWER_MS = 60_000;

/** The server refused a COPY's rows (so far the only cause seen) and postgres.js lost its answer. */
export class CopyNoAnswerError extends Error {
  constructor(ms: number) {
    super(`COPY of staged mismatch records got no answer in ${ms / 1000} s (the server log has the reason)`);
    this.name = "CopyNoAnswerError";
  }
}

// A window's counts saturate instead of overflowing: an overflow would fail every later batch for the window.
const BIGINT_MAX = "9223372036854775807";

async function writeComparisons(tx: Tx, rows: AggregatedComparison[]) {
  await tx`
    insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched)
    select u.cohort_id, u.table_name, u.window_start::timestamptz, u.compared, u.mismatched
    from unnest(${rows.map((r) => r.cohort)}::text[], ${rows.map((r) => r.table)}::text[],
      ${rows.map((r) => r.windowStart)}::text[], ${rows.map((r) => r.compared)}::bigint[], ${rows.map((r) => r.mismatched)}::bigint[])
      as u(cohort_id, table_name, window_start, compared, mismatched)
    on conflict (cohort_id, table_name, window_start) do update set
      compared = least(mismatch_comparisons.compared::numeric + excluded.compared, ${BIGINT_MAX}::numeric)::bigint,
      mismatched = least(mismatch_comparisons.mismatched::numeric + excluded.mismatched, ${BIGINT_MAX}::numeric)::bigint`;
}
