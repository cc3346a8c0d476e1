import type postgres from "postgres";

/** Which engine a client talks to: the SQL we generate differs in a few places (collation, hidden columns). */
export type Dialect = "postgres" | "cockroach";

export async function detectDialect(sql: postgres.Sql): Promise<Dialect> {
  const [row] = await sql<{ version: string }[]>`select version() as version`;
  return /cockroach/i.test(row.version) ? "cockroach" : "postgres";
}

export { qualifiedName, quoteIdent } from "../utils/sql-identifier";
