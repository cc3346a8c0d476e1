import type postgres from "postgres";

/** Which engine a client talks to: the SQL we generate differs in a few places (collation, hidden columns). */
export type Dialect = "postgres" | "cockroach";

export async function detectDialect(sql: postgres.Sql): Promise<Dialect> {
  return (await detectServer(sql)).dialect;
}

/** The dialect and server_version_num (CockroachDB claims a PostgreSQL one): some functions are version-bound. */
export async function detectServer(sql: postgres.Sql): Promise<{ dialect: Dialect; versionNum: number }> {
  const [row] = await sql<{ version: string; num: string }[]>`select version() as version, current_setting('server_version_num') as num`;
  return { dialect: /cockroach/i.test(row.version) ? "cockroach" : "postgres", versionNum: Number(row.num) };
}

export { qualifiedName, quoteIdent } from "../utils/sql-identifier";
