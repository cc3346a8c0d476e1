import postgres from "postgres";
import type { ComparisonInput, MismatchInput, MismatchKind, MismatchOrigin, MismatchStatus } from "../../app/mismatches/contract";
import { ingestMismatches } from "../../app/models/mismatch-ingest.server";
import { updateMismatches } from "../../app/models/mismatch.server";
import { describeTable } from "../../app/reconciliation/catalog";
import { quoteIdent } from "../../app/utils/sql-identifier";
import { APP_TABLES } from "../demo/app-schema";
import { DEMO_DIVERGENCES, type DemoDivergence } from "../demo/divergences";
import type { DemoUrls } from "./urls";
import { seededRandom } from "./seeded-random";

const HOUR = 3_600_000;
const HISTORY_HOURS = 48;

type Row = Record<string, string | null>;

/**
 * Rows with every column as PostgreSQL's own text, as a shadow read and the re-check see them. Columns come from
 * the reconciliation catalog; table names and conditions are this file's constants, values are bound.
 */
async function rowsAsText(sql: postgres.Sql, table: string, where: string, params: string[], limit: number): Promise<Row[]> {
  const { table: described } = await describeTable(sql, "public", table);
  const list = (described?.columns ?? []).map((c) => `${quoteIdent(c.name)}::text as ${quoteIdent(c.name)}`).join(", ");
  return sql.unsafe<Row[]>(`select ${list} from ${quoteIdent(table)} where ${where} order by 1 limit ${limit}`, params);
}

async function divergentRow(sql: postgres.Sql, d: DemoDivergence): Promise<Row | null> {
  const columns = Object.keys(d.primaryKey);
  const where = columns.map((column, i) => `${quoteIdent(column)}::text = $${i + 1}`).join(" and ");
  const [row] = await rowsAsText(
    sql,
    d.table,
    where,
    columns.map((c) => d.primaryKey[c]),
    1,
  );
  return row ?? null;
}

const KIND_OF: Record<DemoDivergence["kind"], MismatchKind> = {
  missing: "missing_in_target",
  extra: "extra_in_target",
  changed: "value_mismatch",
  timestamp_precision: "value_mismatch",
  numeric_scale: "value_mismatch",
  json_key_order: "value_mismatch",
};

/** "2026-01-01 10:00:00.123456+00" as a client that keeps milliseconds writes it back. */
function toMilliseconds(text: string): string {
  return text.replace(/(\.\d{3})\d+/, "$1");
}

interface Story {
  table: string;
  origin: MismatchOrigin;
  kind: MismatchKind;
  where: string;
  records: number;
  /** The target's side of a source row (null: the row is missing there). */
  target: (row: Row) => Row | null;
  fingerprint: string;
  /** When it happened: hours ago, as [from, to]. */
  hoursAgo: [number, number];
  maxOccurrences: number;
  userColumn: string;
  /** How the engineers triaged it: a status for the records last seen before `triagedBeforeHours` ago. */
  triage?: { status: MismatchStatus; note: string; assign?: boolean; triagedBeforeHours: number };
}

/**
 * The history an engineer opening the triage page of a migration in its third week would find: the classic
 * engine differences (a client cutting timestamps to milliseconds, numerics losing their scale), an incident of
 * failed mirrored writes, and a few fresh ones, some already triaged. Their values are real rows of the demo's
 * source, so details and diffs show real data (the re-check says most no longer differ: they were fixed since).
 */
const STORIES: Story[] = [
  {
    table: "documents",
    origin: "shadow_read",
    kind: "value_mismatch",
    where: "true",
    records: 400,
    target: (row) => ({ ...row, updated_at: row.updated_at && toMilliseconds(row.updated_at) }),
    fingerprint: "select documents by id",
    hoursAgo: [8, 48],
    maxOccurrences: 6,
    userColumn: "owner_id",
    triage: { status: "resolved", note: "The ORM kept milliseconds only; fixed in release 2026.11.3 (microseconds round-trip now).", triagedBeforeHours: 12 },
  },
  {
    table: "annotations",
    origin: "dual_write_error",
    kind: "write_error",
    where: "true",
    records: 150,
    target: () => null,
    fingerprint: "insert annotations (timeout after 2,000 ms)",
    hoursAgo: [29, 31],
    maxOccurrences: 2,
    userColumn: "author_id",
    triage: {
      status: "resolved",
      note: "Target timeouts while node 2 restarted; the rows were re-mirrored by the reconciliation that followed.",
      triagedBeforeHours: 24,
    },
  },
  {
    table: "enrollments",
    origin: "shadow_read",
    kind: "value_mismatch",
    where: "grade::text ~ '\\.\\d*0$'",
    records: 120,
    target: (row) => ({ ...row, grade: row.grade && row.grade.replace(/\.?0+$/, "") }),
    fingerprint: "select enrollments by user",
    hoursAgo: [2, 40],
    maxOccurrences: 4,
    userColumn: "user_id",
    triage: { status: "ignored", note: "Numeric scale only (98.10 vs 98.1): a normalization rule for grades is in review.", triagedBeforeHours: 6 },
  },
  {
    table: "comments",
    origin: "shadow_read",
    kind: "value_mismatch",
    where: "true",
    records: 80,
    target: (row) => ({ ...row, body: row.body && `${row.body}  ` }),
    fingerprint: "select comments by document",
    hoursAgo: [0.2, 20],
    maxOccurrences: 3,
    userColumn: "author_id",
    triage: { status: "investigating", note: "Trailing spaces on the target: the new editor's sanitizer?", assign: true, triagedBeforeHours: 3 },
  },
  {
    // The user the support page opens first: a support engineer asked about them sees their recent mismatches.
    table: "annotations",
    origin: "shadow_read",
    kind: "value_mismatch",
    where: "author_id = 'u_000042'",
    records: 6,
    target: (row) => ({ ...row, updated_at: row.updated_at && toMilliseconds(row.updated_at) }),
    fingerprint: "select annotations by document",
    hoursAgo: [0.3, 10],
    maxOccurrences: 3,
    userColumn: "author_id",
  },
  {
    table: "document_collaborators",
    origin: "dual_write_error",
    kind: "missing_in_target",
    where: "true",
    records: 40,
    target: () => null,
    fingerprint: "insert document_collaborators",
    hoursAgo: [0.1, 6],
    maxOccurrences: 2,
    userColumn: "user_id",
  },
];

function primaryKeyOf(table: string, row: Row): Record<string, string | null> {
  const columns = APP_TABLES.find((t) => t.name === table)?.primaryKey ?? [];
  return Object.fromEntries(columns.map((c) => [c, row[c]]));
}

/**
 * Two days of mismatch records, comparison counts and triage for the demo (see STORIES), plus a shadow-read finding
 * for each seeded divergence a read of application traffic would meet. The divergences in `users` are left for a
 * reconciliation to find (the demo's verify journey). Written through the ingestion and triage models, so groups,
 * hourly counts, dedup and the audit log are exactly what live traffic would leave. The models use the app's
 * control connection: the callers point CUTOVER_DATABASE_URL at `urls.controlUrl`, which this checks.
 */
export async function seedDemoMismatches(urls: DemoUrls) {
  if (process.env.CUTOVER_DATABASE_URL !== urls.controlUrl) {
    throw new Error("seedDemoMismatches writes through the app's control connection: set CUTOVER_DATABASE_URL to the control URL first");
  }
  const next = seededRandom(20_260_301);
  const now = Date.now();
  const control = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  const source = postgres(urls.sourceUrl, { max: 1, onnotice: () => {} });
  const target = postgres(urls.targetUrl, { max: 1, onnotice: () => {} });
  try {
    const cohorts = await control<{ id: string; name: string; budget: number | null }[]>`
      select id::text, name, mismatch_budget::float8 as budget from cohorts order by priority`;
    const [engineer] = await control<{ id: string; email: string }[]>`select id::text, email from users where email = 'engineer@demo.local'`;
    if (cohorts.length === 0 || !engineer) return;
    // Most traffic is "Everyone"'s; staff is a sliver.
    const cohortWeights = cohorts.map((c) => (c.name === "Everyone" ? 14 : c.name === "Internal staff" ? 1 : 5));
    const pickCohort = () => {
      let r = next() * cohortWeights.reduce((a, b) => a + b, 0);
      for (let i = 0; i < cohorts.length; i++) if ((r -= cohortWeights[i]) < 0) return cohorts[i].id;
      return cohorts[cohorts.length - 1].id;
    };
    const at = (hoursAgo: number) => new Date(now - hoursAgo * HOUR);

    const inputs: MismatchInput[] = [];
    const occurrences = (input: Omit<MismatchInput, "detectedAt">, [from, to]: [number, number], max: number) => {
      const count = 1 + Math.floor(next() ** 2 * max);
      for (let i = 0; i < count; i++) inputs.push({ ...input, detectedAt: at(from + next() * (to - from)).toISOString() });
    };

    for (const story of STORIES) {
      const rows = await rowsAsText(source, story.table, story.where, [], story.records);
      for (const row of rows) {
        const other = story.target(row);
        // A row the change leaves as it was (a timestamp already in milliseconds) would be no mismatch at all.
        if (other && JSON.stringify(other) === JSON.stringify(row)) continue;
        const cohort = pickCohort();
        occurrences(
          {
            origin: story.origin,
            kind: story.kind,
            table: story.table,
            primaryKey: primaryKeyOf(story.table, row),
            userId: row[story.userColumn],
            cohort,
            fingerprint: story.fingerprint,
            sourceValue: row,
            targetValue: story.kind === "write_error" || story.kind === "missing_in_target" ? null : other,
          },
          story.hoursAgo,
          story.maxOccurrences,
        );
      }
    }
    for (const d of DEMO_DIVERGENCES) {
      if (d.table === "users") continue;
      const [sourceRow, targetRow] = await Promise.all([divergentRow(source, d), divergentRow(target, d)]);
      const row = sourceRow ?? targetRow;
      occurrences(
        {
          origin: "shadow_read",
          kind: KIND_OF[d.kind],
          table: d.table,
          primaryKey: d.primaryKey,
          userId: row?.owner_id ?? row?.author_id ?? row?.user_id ?? null,
          cohort: pickCohort(),
          fingerprint: `select ${d.table} by id`,
          sourceValue: sourceRow,
          targetValue: targetRow,
        },
        [0.05, HISTORY_HOURS],
        30,
      );
    }

    // Comparison counts per cohort, table and hour: volume follows the school day, and the rate stays at a quarter
    // to a half of each cohort's budget, so the rate chart has bars and no gate is tripped by history.
    const tables = [...new Set(inputs.map((i) => i.table))];
    const mismatched = new Map<string, number>();
    for (const i of inputs) {
      const hour = Math.floor(Date.parse(i.detectedAt as string) / HOUR) * HOUR;
      const key = `${i.cohort}\u0000${i.table}\u0000${hour}`;
      mismatched.set(key, (mismatched.get(key) ?? 0) + 1);
    }
    const comparisons: ComparisonInput[] = [];
    const firstHour = Math.floor(now / HOUR) * HOUR - (HISTORY_HOURS - 1) * HOUR;
    for (const cohort of cohorts) {
      const base = cohort.name === "Everyone" ? 20_000 : cohort.name === "Internal staff" ? 1_500 : 8_000;
      for (const table of tables) {
        for (let hour = firstHour; hour <= now; hour += HOUR) {
          const diurnal = 0.6 + 0.4 * Math.sin(((new Date(hour).getUTCHours() - 6) / 24) * 2 * Math.PI);
          // Mismatched counts every differing read, repeats of one record included, so it is at least the records;
          // and at least one, so even a small cohort in a quiet hour has a rate to show.
          const rate = (cohort.budget ?? 0.005) * (0.25 + next() * 0.25);
          const found = Math.max(mismatched.get(`${cohort.id}\u0000${table}\u0000${hour}`) ?? 0, Math.ceil(base * diurnal * rate));
          const compared = Math.max(Math.round(base * diurnal), Math.ceil(found / rate));
          comparisons.push({ cohort: cohort.id, table, windowStart: new Date(hour).toISOString(), compared, mismatched: found });
        }
      }
    }

    // Oldest first, as traffic would have reported them; 1,000 a batch like the client's reporter.
    inputs.sort((a, b) => Date.parse(a.detectedAt as string) - Date.parse(b.detectedAt as string));
    for (let i = 0; i < inputs.length; i += 1_000) {
      await ingestMismatches({ mismatches: inputs.slice(i, i + 1_000), comparisons: i === 0 ? comparisons : [] }, { now: new Date(now) });
    }

    const actor = { type: "user" as const, id: engineer.id, label: engineer.email };
    for (const story of STORIES) {
      if (!story.triage) continue;
      const { status, note, assign, triagedBeforeHours } = story.triage;
      const ids = await control<{ id: number }[]>`
        select id::int from mismatches
        where table_name = ${story.table} and kind = ${story.kind} and last_seen_at < ${at(triagedBeforeHours)}
        order by id`;
      for (let i = 0; i < ids.length; i += 500) {
        await updateMismatches(
          actor,
          ids.slice(i, i + 500).map((r) => r.id),
          { status, assigneeId: assign ? engineer.id : undefined },
        );
      }
      // The finding written down on the first few, as an engineer would while triaging.
      if (ids.length)
        await updateMismatches(
          actor,
          ids.slice(0, 3).map((r) => r.id),
          { note },
        );
    }
  } finally {
    await Promise.all([control.end({ timeout: 5 }), source.end({ timeout: 5 }), target.end({ timeout: 5 })]);
  }
}
