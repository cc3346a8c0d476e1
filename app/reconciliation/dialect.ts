import type postgres from "postgres";

/** Which engine a client talks to: the SQL we generate differs in a few places (collation, hidden columns). */
export type Dialect = "postgres" | "cockroach";

export async function detectDialect(sql: postgres.Sql): Promise<Dialect> {
  const [row] = await sql<{ version: string }[]>`select version() as version`;
  return /cockroach/i.test(row.version) ? "cockroach" : "postgres";
}

/** Quote an identifier taken from a catalog (never from user input) the way both engines read it. */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema-qualified, quoted table name. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
