import type { PreviewUser } from "../rollout/preview";
import { redactError, sideSql } from "~/utils/databases.server";

export interface PopulationSample {
  users: PreviewUser[];
  /** Estimated number of users in the source (planner statistics; exact when the table is small). */
  population: number;
  error: string | null;
}

const SAMPLE_SIZE = 20_000;
let cached: { at: number; sample: PopulationSample } | null = null;

/**
 * A sample of the application's users from the source's `users` table (id, region, country, school, plan), for
 * the ladder shares and change previews. Sampled (TABLESAMPLE when the table is large) because counting 30M users
 * per page view would load the database this migration exists to relieve; cached for a minute.
 * The source is read through the read-only pool; an error is returned, never swallowed, so the page can show it.
 */
export async function sampleSourceUsers(): Promise<PopulationSample> {
  if (cached && Date.now() - cached.at < 60_000) return cached.sample;
  try {
    const sql = sideSql("source");
    const [{ estimate }] = await sql<{ estimate: number }[]>`
      select greatest(reltuples, 0)::float8 as estimate from pg_class where oid = to_regclass('users')`;
    const small = estimate < SAMPLE_SIZE * 2;
    const percent = small ? 100 : Math.min(100, ((SAMPLE_SIZE * 2) / estimate) * 100);
    const rows = await sql<{ id: string; region: string | null; country: string | null; schoolId: string | null; plan: string | null }[]>`
      select id::text as id, region::text as region, trim(country::text) as country, school_id::text as "schoolId", plan::text as plan
      from users ${small ? sql`` : sql`tablesample system (${percent})`}
      limit ${SAMPLE_SIZE}`;
    const population = small ? rows.length : Math.round(estimate);
    const users = rows.map((r) => ({
      id: r.id,
      attributes: { region: r.region ?? undefined, country: r.country ?? undefined, schoolId: r.schoolId ?? undefined, plan: r.plan ?? undefined },
    }));
    const sample = { users, population, error: null };
    cached = { at: Date.now(), sample };
    return sample;
  } catch (error) {
    return { users: [], population: 0, error: `Could not sample the source's users: ${redactError(error)}` };
  }
}

/** One user's attributes from the source's users table (the support page), or null when there is no such user. */
export async function findSourceUser(id: string): Promise<{ attributes: PreviewUser["attributes"]; error: string | null } | null> {
  try {
    const [row] = await sideSql("source")<{ region: string | null; country: string | null; schoolId: string | null; plan: string | null }[]>`
      select region::text as region, trim(country::text) as country, school_id::text as "schoolId", plan::text as plan
      from users where id::text = ${id} limit 1`;
    if (!row) return null;
    return { attributes: { region: row.region ?? undefined, country: row.country ?? undefined, schoolId: row.schoolId ?? undefined, plan: row.plan ?? undefined }, error: null };
  } catch (error) {
    return { attributes: {}, error: `Could not read the user from the source: ${redactError(error)}` };
  }
}
