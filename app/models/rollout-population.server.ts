import type postgres from "postgres";
import { ATTRIBUTE_FIELDS, parseStoredPopulationSource, tableLabel, type PopulationSource, type SampleBasis } from "../rollout/population";
import type { PreviewUser } from "../rollout/preview";
import { quoteIdent } from "../utils/sql-identifier";
import type { Actor } from "./audit.server";
import { readSetting, saveSetting, SETTING_KEYS } from "./setting.server";
import { columnsOf, resolveTable, type SourceColumn } from "./source-catalog.server";
import { redactError, sideSql } from "~/utils/databases.server";

const SAMPLE_SIZE = 20_000;

export interface PopulationSample {
  users: PreviewUser[];
  /** Users weighted by their rows in the activity table, when write traffic is estimated from one. */
  writers: PreviewUser[] | null;
  /** Users in the source: counted, or the planner's estimate (see basis). */
  population: number;
  basis: SampleBasis;
  error: string | null;
}

export async function getPopulationSource(): Promise<PopulationSource> {
  return parseStoredPopulationSource(await readSetting(SETTING_KEYS.population));
}

const isUuid = (c: SourceColumn) => c.typeName === "uuid";
const COLUMN_RULES = {
  id: { ok: (c: SourceColumn) => c.category === "S" || c.category === "N" || isUuid(c), want: "a text, number or uuid column" },
  email: { ok: (c: SourceColumn) => c.category === "S", want: "a text column" },
  attribute: { ok: (c: SourceColumn) => ["S", "E", "N"].includes(c.category) || isUuid(c), want: "a text, enum, number or uuid column" },
  weight: { ok: (c: SourceColumn) => c.category === "N", want: "a numeric column (writes per user)" },
};

/** Field errors of a mapping against the source's catalog: unknown table or column, or a column of the wrong type. */
async function catalogErrors(sql: postgres.Sql, source: PopulationSource): Promise<Record<string, string>> {
  const rel = await resolveTable(sql, source.schema, source.table);
  if (!rel) return { table: `The source has no table ${tableLabel(source)} that Cutover can read` };
  const columns = new Map((await columnsOf(sql, rel.oid)).map((c) => [c.name, c]));
  const errors: Record<string, string> = {};
  const check = (field: string, name: string | null, rule: (typeof COLUMN_RULES)[keyof typeof COLUMN_RULES]) => {
    if (name === null) return;
    const column = columns.get(name);
    if (!column) errors[field] = `${tableLabel(source)} has no column ${quoteIdent(name)}`;
    else if (!rule.ok(column)) errors[field] = `${quoteIdent(name)} is ${column.type}: choose ${rule.want}`;
  };
  check("idColumn", source.idColumn, COLUMN_RULES.id);
  for (const { field } of ATTRIBUTE_FIELDS) check(field, source[field], COLUMN_RULES.attribute);
  check("emailColumn", source.emailColumn, COLUMN_RULES.email);
  if (source.weightKind === "column") check("weightColumn", source.weightColumn, COLUMN_RULES.weight);
  if (source.activity !== null) Object.assign(errors, await activityErrors(sql, source.activity, columns.get(source.idColumn)));
  return errors;
}

/** The activity table must exist and its user column must compare with the users' id column without a cast. */
async function activityErrors(sql: postgres.Sql, activity: NonNullable<PopulationSource["activity"]>, id: SourceColumn | undefined) {
  const rel = await resolveTable(sql, activity.schema, activity.table);
  if (!rel) return { activity: `The source has no table ${tableLabel(activity)} that Cutover can read` };
  const column = (await columnsOf(sql, rel.oid)).find((c) => c.name === activity.column);
  if (!column) return { activity: `${tableLabel(activity)} has no column ${quoteIdent(activity.column)}` };
  if (id && column.typeName !== id.typeName && !(column.category === "S" && id.category === "S")) {
    return { activity: `${quoteIdent(activity.column)} is ${column.type} but the users' id column is ${id.type}: choose a column of the id's type` };
  }
  return {};
}

/** id, the four attributes and the write weight of the users table aliased u, every name quoted. char(n) pads, hence the trims. */
function projection(source: PopulationSource, weight?: string): string {
  const attribute = (column: string | null) => (column === null ? "null::text" : `trim(u.${quoteIdent(column)}::text)`);
  weight ??=
    source.weightKind === "column" && source.weightColumn !== null ? `greatest(coalesce(u.${quoteIdent(source.weightColumn)}::float8, 0), 0)` : "null::float8";
  return [
    `u.${quoteIdent(source.idColumn)}::text as id`,
    ...ATTRIBUTE_FIELDS.map(({ field, attribute: name }) => `${attribute(source[field])} as "${name}"`),
    `${weight} as weight`,
  ].join(", ");
}

type SampleRow = { id: string; region: string | null; country: string | null; schoolId: string | null; plan: string | null; weight: number | null };

function toPreviewUser(r: SampleRow): PreviewUser {
  const attributes = { region: r.region ?? undefined, country: r.country ?? undefined, schoolId: r.schoolId ?? undefined, plan: r.plan ?? undefined };
  return r.weight === null ? { id: r.id, attributes } : { id: r.id, attributes, writeWeight: Number(r.weight) };
}

/** count(*) under its own statement timeout; null when it ran out of time (the caller falls back to the estimate). */
async function exactCount(sql: postgres.Sql, source: PopulationSource): Promise<number | null> {
  try {
    return await sql.begin(async (tx) => {
      await tx.unsafe(`select set_config('statement_timeout', $1, true)`, [String(source.countTimeoutMs)]);
      const [{ n }] = await tx.unsafe<{ n: string }[]>(`select count(*) as n from ${tableLabel(source)} where ${quoteIdent(source.idColumn)} is not null`);
      return Number(n);
    });
  } catch (error) {
    if ((error as { code?: string }).code === "57014") return null;
    throw error;
  }
}

/**
 * Reads a sample of the mapped users table: the whole table when it is small, else TABLESAMPLE SYSTEM (block
 * sampling: counting or reading 30M users per page view would load the database this migration exists to relieve).
 */
async function readSample(sql: postgres.Sql, source: PopulationSource): Promise<PopulationSample> {
  const table = tableLabel(source);
  const rel = await resolveTable(sql, source.schema, source.table);
  if (!rel) throw new Error(`the source has no table ${table} that Cutover can read`);
  // reltuples is -1 (PostgreSQL 14+) or 0 before the first ANALYZE.
  const estimate = Math.max(0, rel.estimate);
  const small = estimate < SAMPLE_SIZE * 2;
  const percent = small ? 100 : Math.min(100, ((SAMPLE_SIZE * 2) / estimate) * 100);
  const rows = await sql.unsafe<SampleRow[]>(
    `select ${projection(source)} from ${table} u ${small ? "" : "tablesample system ($2)"}
     where u.${quoteIdent(source.idColumn)} is not null limit $1`,
    small ? [SAMPLE_SIZE + 1] : [SAMPLE_SIZE, percent],
  );
  const whole = small && rows.length <= SAMPLE_SIZE;
  if (rows.length > SAMPLE_SIZE) rows.length = SAMPLE_SIZE;
  let population = whole ? rows.length : Math.max(Math.round(estimate), rows.length);
  let populationMethod: SampleBasis["populationMethod"] = whole ? "exact" : "estimated";
  let populationNote: string | null = !whole && estimate === 0 ? "the table has no statistics yet: at least this many" : null;
  if (!whole && source.countMethod === "exact") {
    const counted = await exactCount(sql, source);
    if (counted !== null) [population, populationMethod, populationNote] = [counted, "exact", null];
    else populationNote = `the exact count took longer than ${source.countTimeoutMs.toLocaleString("en")} ms`;
  }
  const writers = source.activity ? await readWriters(sql, source, source.activity) : null;
  return {
    users: rows.map(toPreviewUser),
    writers: writers?.users ?? null,
    population,
    basis: {
      table,
      sampled: rows.length,
      population,
      populationMethod,
      populationNote,
      weightKind: source.weightKind,
      weightColumn: source.weightColumn,
      activity: writers?.basis ?? null,
    },
    error: null,
  };
}

const ACTIVITY_ROWS = 50_000;

/**
 * Write traffic estimated from activity rows: a sample of the activity table (whole when small), grouped by user
 * and joined to the users table for the attributes, so each writer weighs as many rows as it has in the sample.
 * Sampling rows rather than users keeps heavy writers in proportion at any table size.
 */
async function readWriters(sql: postgres.Sql, source: PopulationSource, activity: NonNullable<PopulationSource["activity"]>) {
  const table = tableLabel(activity);
  const rel = await resolveTable(sql, activity.schema, activity.table);
  if (!rel) throw new Error(`the source has no table ${table} that Cutover can read`);
  const estimate = Math.max(0, rel.estimate);
  const small = estimate < ACTIVITY_ROWS * 2;
  const percent = small ? 100 : Math.min(100, (ACTIVITY_ROWS / estimate) * 100);
  const column = quoteIdent(activity.column);
  const rows = await sql.unsafe<(SampleRow & { rowsRead: string })[]>(
    `with r as (select a.${column} as uid from ${table} a ${small ? "" : "tablesample system ($2)"} where a.${column} is not null limit $1),
          w as (select uid, count(*)::float8 as n from r group by uid)
     select ${projection(source, "w.n")}, (select count(*) from r) as "rowsRead"
     from w join ${tableLabel(source)} u on u.${quoteIdent(source.idColumn)} = w.uid`,
    small ? [ACTIVITY_ROWS * 2 + 1] : [ACTIVITY_ROWS * 2, percent],
  );
  const rowsRead = Number(rows[0]?.rowsRead ?? 0);
  const users = rows.map(toPreviewUser);
  // Rows whose user is not in the users table carry no attributes to evaluate, so they are left out.
  const attributed = users.reduce((sum, u) => sum + (u.writeWeight ?? 0), 0);
  return { users, basis: { table, column: activity.column, rows: attributed, whole: small && rowsRead <= ACTIVITY_ROWS * 2 } };
}

let cached: { key: string; at: number; sample: PopulationSample } | null = null;

/**
 * A sample of the application's users per the configured mapping (default: the demo's `users` table), for the
 * ladder shares and change previews; cached for a minute per mapping. The source is read through the read-only
 * pool; an error is returned, never swallowed, so the page can show it.
 */
export async function sampleSourceUsers(): Promise<PopulationSample> {
  let source: PopulationSource | null = null;
  try {
    source = await getPopulationSource();
    const key = JSON.stringify(source);
    if (cached && cached.key === key && Date.now() - cached.at < 60_000) return cached.sample;
    const sample = await readSample(sideSql("source"), source);
    cached = { key, at: Date.now(), sample };
    return sample;
  } catch (error) {
    const basis: SampleBasis = {
      table: source ? tableLabel(source) : "the source",
      sampled: 0,
      population: 0,
      populationMethod: "estimated",
      populationNote: null,
      weightKind: source?.weightKind ?? "equal",
      weightColumn: source?.weightColumn ?? null,
      activity: null,
    };
    return { users: [], writers: null, population: 0, basis, error: `Could not sample the source's users: ${redactError(error)}` };
  }
}

export type PopulationCheck = { ok: true; sample: PopulationSample } | { ok: false; errors: Record<string, string> };

/** Checks a mapping against the source's catalog, then reads a sample with it (what the mapping counts). */
export async function checkPopulationSource(source: PopulationSource): Promise<PopulationCheck> {
  const sql = sideSql("source");
  try {
    const errors = await catalogErrors(sql, source);
    if (Object.keys(errors).length > 0) return { ok: false, errors };
    return { ok: true, sample: await readSample(sql, source) };
  } catch (error) {
    return { ok: false, errors: { form: `The source refused the mapping: ${redactError(error)}` } };
  }
}

/** Saves a mapping that checks out, with the audit row in the same transaction; a failing one saves nothing. */
export async function savePopulationSource(source: PopulationSource, actor: Actor, reason: string): Promise<PopulationCheck> {
  const checked = await checkPopulationSource(source);
  if (!checked.ok) return checked;
  const before = await getPopulationSource();
  await saveSetting(SETTING_KEYS.population, actor, () => ({ value: source, action: "rollout.population.update", reason, auditBefore: before }));
  cached = null;
  return checked;
}

/**
 * Every user of the mapped users table, a page at a time in id order (keyset: each page is a short statement
 * under the source's statement timeout, however large the table). The last id is sent untyped, so PostgreSQL
 * reads it as the id column's type and its index serves the page.
 */
export async function forEachSourceUserPage(
  onPage: (users: PreviewUser[]) => Promise<void> | void,
  options: { pageSize?: number; signal?: AbortSignal } = {},
): Promise<void> {
  const source = await getPopulationSource();
  const sql = sideSql("source");
  const id = `u.${quoteIdent(source.idColumn)}`;
  const pageSize = options.pageSize ?? 10_000;
  let after: string | null = null;
  for (;;) {
    options.signal?.throwIfAborted();
    const rows: SampleRow[] = await sql.unsafe<SampleRow[]>(
      `select ${projection(source)} from ${tableLabel(source)} u
       where ${id} is not null ${after === null ? "" : `and ${id} > $2`} order by ${id} limit $1`,
      after === null ? [pageSize] : [pageSize, after],
    );
    if (rows.length === 0) return;
    await onPage(rows.map(toPreviewUser));
    if (rows.length < pageSize) return;
    after = rows[rows.length - 1].id;
  }
}

/**
 * Attributes of the given users from the mapped users table (those it has), for evaluating row owners. Ids are
 * compared as text: an owner column may be text where the users table's id is an integer.
 */
export async function findSourceUsers(ids: string[]): Promise<Map<string, PreviewUser["attributes"]>> {
  const found = new Map<string, PreviewUser["attributes"]>();
  if (ids.length === 0) return found;
  const source = await getPopulationSource();
  for (let i = 0; i < ids.length; i += 10_000) {
    const rows = await sideSql("source").unsafe<SampleRow[]>(
      `select ${projection(source)} from ${tableLabel(source)} u where (u.${quoteIdent(source.idColumn)})::text = any($1::text[])`,
      [ids.slice(i, i + 10_000)],
    );
    for (const row of rows) {
      const user = toPreviewUser(row);
      found.set(user.id, user.attributes);
    }
  }
  return found;
}

export type EmailLookup = { ids: string[]; error: null } | { ids: []; error: string };

/**
 * The ids of the users whose email is `email`, exact but case-insensitive (at most 10). The equality is tried
 * first so a plain index on the column serves the usual case; lower() = lower() only when it finds nobody.
 */
export async function findSourceUserIdsByEmail(email: string): Promise<EmailLookup> {
  try {
    const source = await getPopulationSource();
    if (source.emailColumn === null) return { ids: [], error: "No email column is mapped in Settings › Rollout population: look the user up by id." };
    const table = tableLabel(source);
    const id = `u.${quoteIdent(source.idColumn)}::text as id`;
    const column = `u.${quoteIdent(source.emailColumn)}`;
    const sql = sideSql("source");
    let rows = await sql.unsafe<{ id: string }[]>(`select ${id} from ${table} u where ${column} = $1 limit 10`, [email]);
    if (rows.length === 0)
      rows = await sql.unsafe<{ id: string }[]>(`select ${id} from ${table} u where lower(${column}::text) = lower($1) order by 1 limit 10`, [email]);
    return { ids: rows.map((r) => r.id), error: null };
  } catch (error) {
    return { ids: [], error: `Could not look the email up in the source: ${redactError(error)}` };
  }
}

// Not a valid value of the id column's type (e.g. "abc" for an integer id): no such user, not an error.
const NOT_AN_ID = new Set(["22P02", "22003", "22007", "22008"]);

/** One user's attributes from the mapped users table (the support page), or null when there is no such user. */
export async function findSourceUser(id: string): Promise<{ attributes: PreviewUser["attributes"]; error: string | null } | null> {
  try {
    const source = await getPopulationSource();
    // The id is sent untyped, so PostgreSQL reads it as the id column's type and the column's index serves it.
    const [row] = await sideSql("source").unsafe<SampleRow[]>(
      `select ${projection(source)} from ${tableLabel(source)} u where u.${quoteIdent(source.idColumn)} = $1 limit 1`,
      [id],
    );
    return row ? { attributes: toPreviewUser(row).attributes, error: null } : null;
  } catch (error) {
    if (NOT_AN_ID.has((error as { code?: string }).code ?? "")) return null;
    return { attributes: {}, error: `Could not read the user from the source: ${redactError(error)}` };
  }
}
