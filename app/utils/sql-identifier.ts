/**
 * Quoting of identifiers for the SQL we generate against source, target and control databases, the one way both
 * PostgreSQL and CockroachDB read them. Names come from catalogs (never typed free-hand), and even so reach SQL
 * only through here. Unlike postgres.js' sql(name), a dot stays part of the name rather than splitting it.
 */
export function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** A schema-qualified, quoted table name. */
export function qualifiedName(schema: string, table: string): string {
  return `${quoteIdent(schema)}.${quoteIdent(table)}`;
}
