import type postgres from "postgres";
import { canonicalJson, canonicalPrimaryKey, primaryKeyIdentity, type KeyShape } from "../../app/normalization";
import { reidentifyEncodedRecords } from "../../app/mismatches/copy-codec";
import { FIELD_SEPARATOR, mismatchSignature } from "../../app/mismatches/signature";

/** The step's name in migration_steps: it runs once, after migration 0008 (which added the per-origin counts). */
export const MERGE_MISMATCH_IDENTITIES = "0009_merge_mismatch_identities";

/** Reads a table's key shape (the source catalog); null when it cannot say, and the fallback form is used. */
export type StepKeyShapeReader = (table: string) => Promise<KeyShape | null>;

export interface MergeSummary {
  records: number;
  rekeyed: number;
  merged: number;
  survivors: number;
  stagedBatches: number;
}

const PAGE = 10_000;

/**
 * One identity for stored records: every key is rewritten in its canonical form (app/normalization/primary-key.ts)
 * and its signature recomputed as ingestion now computes it; TypeScript because the canonical forms and SHA-1
 * are, and the key shape comes from the source catalog. Records that now share a signature merge into the
 * earliest one: occurrences (and per origin) summed, earliest first seen, latest last seen and values, the most
 * advanced triage status, every note, one audit entry per merged record. Batches waiting in the inbox or set aside
 * are re-keyed too, so they fold into the merged records. One transaction: a failure leaves everything as it was.
 */
export async function mergeMismatchIdentities(sql: postgres.Sql, readShape: StepKeyShapeReader): Promise<MergeSummary | null> {
  return sql.begin(async (tx) => {
    const [claimed] = await tx`insert into migration_steps (name) values (${MERGE_MISMATCH_IDENTITIES}) on conflict do nothing returning name`;
    if (!claimed) return null;
    const shapes = new Map<string, KeyShape | null>();
    const shapeOf = async (table: string) => {
      if (!shapes.has(table)) shapes.set(table, await readShape(table).catch(() => null));
      return shapes.get(table) ?? null;
    };
    await tx`create temp table identity_map (id bigint primary key, signature text collate "C", primary_key jsonb) on commit drop`;
    let records = 0;
    let rekeyed = 0;
    for (let after = 0; ;) {
      // The key as text, parsed here: a client drizzle has wrapped leaves json unparsed, a plain one parses it.
      const rows = await tx<{ id: string; signature: string; table_name: string; primary_key: string; kind: string; differing_fields: string[] }[]>`
        select id, signature, table_name, primary_key::text, kind::text, differing_fields from mismatches
        where id > ${after} order by id limit ${PAGE}`;
      if (rows.length === 0) break;
      records += rows.length;
      after = Number(rows[rows.length - 1].id);
      const changed: { id: string; signature: string; key: string }[] = [];
      for (const row of rows) {
        const stored: unknown = JSON.parse(row.primary_key);
        const key = canonicalPrimaryKey(stored, await shapeOf(row.table_name));
        const signature = mismatchSignature(row.table_name, primaryKeyIdentity(key), row.kind, row.differing_fields.join(FIELD_SEPARATOR));
        // jsonb keeps no key order, so keys compare sorted.
        if (signature !== row.signature || canonicalJson(key, true) !== canonicalJson(stored, true)) {
          changed.push({ id: row.id, signature, key: JSON.stringify(key) });
        }
      }
      if (changed.length) {
        rekeyed += changed.length;
        // Keys travel as text and are cast by the server: a jsonb[] parameter would be JSON-encoded again by postgres.js.
        await tx`
          insert into identity_map (id, signature, primary_key)
          select u.id, u.signature, u.key::jsonb
          from unnest(${changed.map((c) => c.id)}::bigint[], ${changed.map((c) => c.signature)}::text[], ${changed.map((c) => c.key)}::text[])
            as u(id, signature, key)`;
      }
    }
    const merge = await mergeDuplicates(tx);
    // The unique signature would refuse a record taking a signature another still holds until its own update:
    // dropped and rebuilt around the rewrite (one index build, faster than updating it row by row).
    await tx`alter table mismatches drop constraint mismatches_signature_key`;
    await tx`update mismatches m set signature = i.signature, primary_key = i.primary_key from identity_map i where m.id = i.id`;
    await tx`alter table mismatches add constraint mismatches_signature_key unique (signature)`;
    const stagedBatches = await rekeyStaged(tx, shapeOf);
    const summary: MergeSummary = { records, rekeyed, merged: merge.merged, survivors: merge.survivors, stagedBatches };
    await tx`update migration_steps set summary = ${JSON.stringify(summary)}::jsonb where name = ${MERGE_MISMATCH_IDENTITIES}`;
    await tx`
      insert into audit_log (actor_type, actor_label, action, entity_type, entity_id, after, reason)
      values ('system', 'cutover', 'mismatch.identities_migrated', 'mismatch', null, ${JSON.stringify(summary)}::jsonb,
        'one canonical primary key per row (issue 15): signatures recomputed, duplicates merged')`;
    return summary;
  });
}

/** Merges records whose new signatures coincide into the earliest; returns how many were merged away. */
async function mergeDuplicates(tx: postgres.TransactionSql): Promise<{ merged: number; survivors: number }> {
  await tx`
    create temp table identity_groups on commit drop as
    select (array_agg(m.id order by m.id))[1] as survivor, array_agg(m.id order by m.id) as ids
    from mismatches m left join identity_map i on i.id = m.id
    group by coalesce(i.signature, m.signature) having count(*) > 1`;
  const [{ survivors, merged }] = await tx`
    select count(*)::int as survivors, coalesce(sum(cardinality(ids) - 1), 0)::int as merged from identity_groups`;
  if (survivors === 0) return { merged: 0, survivors: 0 };
  // Most advanced first: a repair or a resolution says more than an investigation, which says more than "open".
  await tx`
    create temp table identity_merged on commit drop as
    select g.survivor, g.ids,
      sum(m.occurrences)::int as occurrences,
      sum(m.shadow_read_occurrences)::int as shadow_reads, sum(m.dual_write_occurrences)::int as dual_writes,
      sum(m.reconciliation_occurrences)::int as reconciliations,
      min(m.first_seen_at) as first_seen_at, max(m.last_seen_at) as last_seen_at,
      (array_agg(m.status order by array_position(array['open', 'investigating', 'ignored', 'resolved', 'repaired']::mismatch_status[], m.status) desc, m.last_seen_at desc))[1] as status,
      (array_agg(m.ignored_by_rule_id order by array_position(array['open', 'investigating', 'ignored', 'resolved', 'repaired']::mismatch_status[], m.status) desc, m.last_seen_at desc))[1] as ignored_by_rule_id,
      (array_agg(m.source_value order by m.last_seen_at desc, m.id desc))[1] as source_value,
      (array_agg(m.target_value order by m.last_seen_at desc, m.id desc))[1] as target_value,
      (array_agg(m.user_id order by m.last_seen_at desc) filter (where m.user_id is not null))[1] as user_id,
      (array_agg(m.cohort_id order by m.last_seen_at desc) filter (where m.cohort_id is not null))[1] as cohort_id,
      (array_agg(m.fingerprint order by m.last_seen_at desc) filter (where m.fingerprint is not null))[1] as fingerprint,
      (array_agg(m.assignee_id order by m.last_seen_at desc) filter (where m.assignee_id is not null))[1] as assignee_id,
      (array_agg(m.reconciliation_job_id order by m.last_seen_at desc) filter (where m.reconciliation_job_id is not null))[1] as reconciliation_job_id,
      jsonb_agg(jsonb_build_object('id', m.id, 'origin', m.origin, 'status', m.status, 'occurrences', m.occurrences, 'primaryKey', m.primary_key) order by m.id) as before
    from identity_groups g join mismatches m on m.id = any(g.ids)
    group by g.survivor, g.ids`;
  await tx`
    update mismatches m set occurrences = x.occurrences, shadow_read_occurrences = x.shadow_reads,
      dual_write_occurrences = x.dual_writes, reconciliation_occurrences = x.reconciliations,
      first_seen_at = x.first_seen_at, last_seen_at = x.last_seen_at, status = x.status, ignored_by_rule_id = x.ignored_by_rule_id,
      source_value = x.source_value, target_value = x.target_value, user_id = x.user_id, cohort_id = x.cohort_id,
      fingerprint = x.fingerprint, assignee_id = x.assignee_id, reconciliation_job_id = x.reconciliation_job_id, updated_at = now()
    from identity_merged x where m.id = x.survivor`;
  await tx`
    update mismatch_notes n set mismatch_id = g.survivor from identity_groups g
    where n.mismatch_id = any(g.ids) and n.mismatch_id <> g.survivor`;
  // The grouped view counts records: the merged-away ones leave their group (occurrences stay: none were lost).
  await tx`
    update mismatch_groups gr set records = greatest(gr.records - d.n, 0)
    from (select m.group_key, count(*)::int as n from identity_groups g join mismatches m on m.id = any(g.ids) and m.id <> g.survivor
          group by m.group_key) d
    where gr.key = d.group_key`;
  await tx`
    insert into audit_log (actor_type, actor_label, action, entity_type, entity_id, before, after, reason)
    select 'system', 'cutover', 'mismatch.merged', 'mismatch', x.survivor::text, x.before,
      jsonb_build_object('id', x.survivor, 'status', x.status, 'occurrences', x.occurrences, 'shadowRead', x.shadow_reads,
        'dualWrite', x.dual_writes, 'reconciliation', x.reconciliations),
      'the same row under one canonical primary key'
    from identity_merged x order by x.survivor`;
  await tx`delete from mismatches m using identity_groups g where m.id = any(g.ids) and m.id <> g.survivor`;
  return { merged, survivors };
}

/** Re-keys the batches waiting in the inbox and the set-aside ones. */
async function rekeyStaged(tx: postgres.TransactionSql, shapeOf: (table: string) => Promise<KeyShape | null>): Promise<number> {
  let batches = 0;
  for (const table of ["mismatch_inbox", "mismatch_inbox_set_aside"] as const) {
    const rows = await tx<{ id: string; records: string }[]>`select id, records from ${tx(table)} order by id for update`;
    for (const row of rows) {
      const shapes = new Map<string, KeyShape | null>();
      for (const line of row.records.split("\n")) {
        const name = line.split("\t")[4];
        // Table names are COPY-escaped in the line; an escaped one is looked up as written (its fallback form).
        if (name !== undefined && !shapes.has(name)) shapes.set(name, await shapeOf(name));
      }
      const records = reidentifyEncodedRecords(row.records, shapes);
      const count = records ? records.split("\n").length - 1 : 0;
      await tx`update ${tx(table)} set records = ${records}, record_count = ${count} where id = ${row.id}`;
      batches++;
    }
  }
  return batches;
}
