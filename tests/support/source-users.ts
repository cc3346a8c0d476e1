import type postgres from "postgres";

/** The demo's users table on a source ('user-0' ... ), which the default population mapping reads. */
export async function createSourceUsers(sql: postgres.Sql, count: number, place: { region: string; country: string }) {
  await sql`create table users (id text primary key, region text, country char(2), school_id integer, plan text)`;
  await sql`insert into users select 'user-' || g, ${place.region}, ${place.country}, g % 50, 'school' from generate_series(0, ${count - 1}::int) g`;
}
