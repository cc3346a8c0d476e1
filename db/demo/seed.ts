import type postgres from "postgres";
import { APP_CONSTRAINTS_SQL, APP_TABLES, APP_TABLES_SQL, APP_TYPES_SQL } from "./app-schema";
import { DEMO_ROW_COUNTS, demoCourses, demoSchools } from "./demo-rows";
import { DIVERGENCE_STATEMENTS } from "./divergences";

/**
 * Seeds the demo application on the source and the target: the same schema and the same ~120k rows on each,
 * then a small known set of divergences on the target (see divergences.ts).
 *
 * Fast because the big tables are generated server-side by generate_series, loaded before their indexes and
 * foreign keys exist, and both sides are seeded concurrently. Deterministic: every value derives from the row
 * number. Idempotent: a marker comment on the schools table says a database is seeded; each side is seeded in
 * one transaction under an advisory lock, so a crash or a concurrent start never leaves half a seed behind.
 */

/** Marker comment on the schools table; bump the version when the seed changes shape. */
export const DEMO_SEED_MARKER = "cutover demo seed v1";

// Arbitrary constant shared by every Cutover process that may seed the same database.
const SEED_LOCK_KEY = 7_241_013;

export interface SideSeedResult {
  /** False when the database was already seeded (nothing was done). */
  seeded: boolean;
  rows: number;
}

export interface DemoSeedResult {
  source: SideSeedResult;
  target: SideSeedResult;
  milliseconds: number;
}

export async function seedDemoApplication(databases: { source: postgres.Sql; target: postgres.Sql }): Promise<DemoSeedResult> {
  const started = performance.now();
  const [source, target] = await Promise.all([seedSide(databases.source, false), seedSide(databases.target, true)]);
  return { source, target, milliseconds: Math.round(performance.now() - started) };
}

async function seedSide(sql: postgres.Sql, applyDivergences: boolean): Promise<SideSeedResult> {
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${SEED_LOCK_KEY})`;
    const [existing] = await tx<{ schools: string | null; marker: string | null }[]>`
      select to_regclass('public.schools')::text as schools,
             obj_description(to_regclass('public.schools'), 'pg_class') as marker`;
    if (existing.schools !== null) {
      if (existing.marker === DEMO_SEED_MARKER) return { seeded: false, rows: 0 };
      // Never write demo rows into a schema we did not create: that could be somebody's real application.
      throw new Error(`the database already has a "schools" table not created by the Cutover demo seed`);
    }
    // Nothing else sees these rows before commit, so losing them in a crash is harmless.
    await tx`set local synchronous_commit = off`;
    await tx.unsafe(APP_TYPES_SQL + APP_TABLES_SQL).simple();
    await loadRows(tx);
    await tx.unsafe(APP_CONSTRAINTS_SQL).simple();
    if (applyDivergences) {
      for (const { statement, params } of DIVERGENCE_STATEMENTS) await tx.unsafe(statement, params);
    }
    await tx.unsafe(`comment on table schools is '${DEMO_SEED_MARKER}'`);
    const [{ rows }] = await tx.unsafe<{ rows: number }[]>(`select (${APP_TABLES.map((t) => `(select count(*) from "${t.name}")`).join(" + ")})::int as rows`);
    return { seeded: true, rows };
  });
}

const FIRST_NAMES = [
  "Aroha",
  "Liam",
  "Zoë",
  "José",
  "Siobhán",
  "Priya",
  "Noah",
  "Renée",
  "Mateo",
  "Aanya",
  "Oliver",
  "Chloé",
  "Arjun",
  "Freya",
  "Lucas",
  "Ngaio",
  "Emma",
  "Rohan",
  "Léa",
  "Tama",
];
const LAST_NAMES = [
  "Smith",
  "Ngata",
  "Müller",
  "García",
  "O'Brien",
  "Patel",
  "Dubois",
  "Nguyen",
  "Kowalski",
  "Singh",
  "Brown",
  "Tremblay",
  "Murphy",
  "Rossi",
  "Sharma",
  "Wilson",
];
const FREE_COUNTRIES = ["US", "US", "US", "GB", "CA", "IN", "DE", "FR", "NZ", "IE"];
const FREE_REGIONS = ["north-america", "north-america", "north-america", "europe", "north-america", "south-asia", "europe", "europe", "oceania", "europe"];
const DOCUMENT_KINDS = ["Worksheet", "Reading", "Lab report", "Essay draft", "Quiz", "Notes", "Field trip form", "Poster"];
const SUBJECT_TAGS = ["algebra", "geometry", "biology", "history", "literature", "français", "music", "geography"];
const COMMENT_BODIES = [
  "Great work!",
  "Can you show your working here?",
  "👍 nice",
  "Voir la page 3.",
  "Check the units.",
  "¿Por qué?",
  "Cite your source, please.",
  "Well argued — expand this.",
];

async function loadRows(tx: postgres.TransactionSql) {
  const c = DEMO_ROW_COUNTS;
  await tx`insert into schools ${tx(demoSchools())}`;
  const courses = demoCourses();
  await tx`insert into courses ${tx(courses)}`;
  const courseCodes = courses.map((course) => course.code);

  // Timestamps carry microseconds on purpose: a target that keeps milliseconds must show up as a divergence.
  await tx`
    insert into users (id, email, display_name, role, region, country, school_id, plan, is_active, preferences, created_at, last_seen_at)
    select 'u_' || lpad(g::text, 6, '0'),
           lower(f.first) || '.' || lower(replace(f.last, '''', '')) || g || '@'
             || case when s.id is null then 'mail.example' else 'school' || s.id || '.example' end,
           f.first || ' ' || f.last,
           (case when g % 500 = 1 then 'school_admin' when g % 25 = 0 then 'teacher' else 'student' end)::user_role,
           coalesce(s.region, (${FREE_REGIONS}::text[])[1 + g % 10]),
           coalesce(s.country, (${FREE_COUNTRIES}::text[])[1 + g % 10]),
           s.id,
           (case when s.id is not null then s.plan::text when g % 100 = 0 then 'teacher' else 'free' end)::plan_tier,
           g % 97 <> 0,
           jsonb_build_object('theme', (array['light', 'dark', 'system'])[1 + g % 3],
                              'pen', jsonb_build_object('width', 1 + g % 4, 'color', (array['black', 'blue', 'red'])[1 + g % 3])),
           x.t0,
           case when g % 10 = 0 then null else x.t0 + ((g::bigint * 3571) % 20000000) * interval '1 second' end
    from generate_series(1, ${c.users}::int) g
    cross join lateral (select case when g % 50 = 0 then null else 1 + (g * 7) % ${c.schools}::int end as school_id,
                               timestamptz '2019-08-01 00:00:00+00'
                                 + ((g::bigint * 7919) % 31536000) * interval '1 second'
                                 + ((g::bigint * 104729) % 1000000) * interval '1 microsecond' as t0) x
    cross join lateral (select (${FIRST_NAMES}::text[])[1 + g % ${FIRST_NAMES.length}::int] as first,
                               (${LAST_NAMES}::text[])[1 + (g / 7) % ${LAST_NAMES.length}::int] as last) f
    left join schools s on s.id = x.school_id`;

  await tx`
    insert into enrollments (course_code, user_id, grade, enrolled_at)
    select (${courseCodes}::text[])[1 + (e * 17) % ${c.courses}::int],
           'u_' || lpad(e::text, 6, '0'),
           case when e % 20 = 0 then null else round((5000 + (e * 37) % 5001) / 100.0, 2) end,
           timestamptz '2020-02-03 08:00:00+00' + ((e::bigint * 7919) % 2592000) * interval '1 second'
             + ((e::bigint * 104729) % 1000000) * interval '1 microsecond'
    from generate_series(1, ${c.enrollments}::int) e`;

  await tx`
    insert into documents (id, owner_id, course_code, title, page_count, tags, is_template, metadata, thumbnail, created_at, updated_at)
    select md5('document:' || i)::uuid,
           'u_' || lpad((1 + (i * 7) % ${c.users}::int)::text, 6, '0'),
           case when i % 5 = 0 then null else (${courseCodes}::text[])[1 + i % ${c.courses}::int] end,
           (${DOCUMENT_KINDS}::text[])[1 + i % 8] || ' — week ' || (1 + i % 40),
           1 + (i * 13) % 24,
           array[(${SUBJECT_TAGS}::text[])[1 + i % 8], (array['homework', 'quiz', 'notes', 'worksheet', 'exam'])[1 + i % 5]],
           i % 40 = 0,
           jsonb_build_object('source', (array['upload', 'google_drive', 'onedrive', 'scan'])[1 + i % 4],
                              'ocr', i % 3 = 0, 'dpi', 150 + (i % 3) * 75),
           case when i % 4 = 0 then null else decode(md5('thumbnail:' || i), 'hex') end,
           x.t0,
           x.t0 + ((i::bigint * 6007) % 604800) * interval '1 second' + ((i::bigint * 15485863) % 1000000) * interval '1 microsecond'
    from generate_series(1, ${c.documents}::int) i
    cross join lateral (select timestamptz '2020-01-06 00:00:00+00'
                                 + ((i::bigint * 7919) % 22000000) * interval '1 second'
                                 + ((i::bigint * 104729) % 1000000) * interval '1 microsecond' as t0) x`;

  // Document 3c (c = 1..10000) gets one collaborator each, so (document_id, user_id) is unique by construction.
  await tx`
    insert into document_collaborators (document_id, user_id, role, added_at)
    select md5('document:' || (c * 3))::uuid,
           'u_' || lpad((1 + (c::bigint * 7919) % ${c.users}::int)::text, 6, '0'),
           (array['viewer', 'commenter', 'editor'])[1 + c % 3]::collaborator_role,
           timestamptz '2020-03-20 00:00:00+00' + ((c::bigint * 7919) % 15000000) * interval '1 second'
             + ((c::bigint * 104729) % 1000000) * interval '1 microsecond'
    from generate_series(1, ${c.document_collaborators}::int) c`;

  await tx`
    insert into annotations (id, document_id, author_id, kind, page, position, color, body, created_at, updated_at)
    select md5('annotation:' || a)::uuid,
           md5('document:' || (1 + (a * 13) % ${c.documents}::int))::uuid,
           'u_' || lpad((1 + (a * 31) % ${c.users}::int)::text, 6, '0'),
           k.kind::annotation_kind,
           1 + a % 12,
           format('{"x": 0.%s, "y": 0.%s, "w": 0.%s}', lpad(((a * 37) % 1000)::text, 3, '0'),
                  lpad(((a * 91) % 1000)::text, 3, '0'), lpad((20 + a % 200)::text, 3, '0'))::json,
           (array['#ffeb3b', '#4caf50', '#2196f3', '#e91e63', '#000000'])[1 + a % 5],
           case when k.kind in ('text_box', 'comment_pin') then 'Note ' || a || ': ' || (array['see here', 'important', 'à revoir', 'good'])[1 + a % 4] end,
           x.t0,
           x.t0 + (a % 3) * ((a::bigint * 6007) % 86400) * interval '1 second'
    from generate_series(1, ${c.annotations}::int) a
    cross join lateral (select (array['highlight', 'ink', 'text_box', 'sticker', 'comment_pin'])[1 + a % 5] as kind) k
    cross join lateral (select timestamptz '2020-03-16 00:00:00+00'
                                 + ((a::bigint * 7919) % 17280000) * interval '1 second'
                                 + ((a::bigint * 104729) % 1000000) * interval '1 microsecond' as t0) x`;

  await tx`
    insert into comments (id, document_id, author_id, annotation_id, body, resolved, created_at)
    select md5('comment:' || k)::uuid,
           md5('document:' || (1 + (k * 11) % ${c.documents}::int))::uuid,
           'u_' || lpad((1 + (k * 53) % ${c.users}::int)::text, 6, '0'),
           case when k % 2 = 0 then md5('annotation:' || (k * 5))::uuid end,
           (${COMMENT_BODIES}::text[])[1 + k % 8],
           k % 7 = 0,
           timestamptz '2020-04-01 00:00:00+00' + ((k::bigint * 7919) % 14000000) * interval '1 second'
             + ((k::bigint * 104729) % 1000000) * interval '1 microsecond'
    from generate_series(1, ${c.comments}::int) k`;
}
