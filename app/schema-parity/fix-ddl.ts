import type { SnapshotColumn, SnapshotTable } from "../reconciliation/catalog-snapshot";
import { qualifiedName, quoteIdent } from "../utils/sql-identifier";
import type { DriftItem } from "./drift-item";
import { idGenerator, parseType } from "./type-mapping";

/**
 * The CockroachDB statements that would bring the target in line with the source for one drift item. They are
 * shown to an engineer to review and run through the migration's own tooling: Cutover never runs DDL. Syntax
 * from CockroachDB's docs (ALTER TABLE ... ALTER COLUMN TYPE, ALTER PRIMARY KEY, DROP INDEX table@index).
 */
export function fixDdl(
  drift: Pick<DriftItem, "kind" | "onlyOn" | "object">,
  source: SnapshotTable | null,
  target: SnapshotTable | null,
  enumLabels?: { schema: string; name: string; labels: string[] },
): string | null {
  const table = source ?? target;
  if (drift.kind === "enum_labels" && enumLabels) {
    return enumLabels.labels.map((l) => `ALTER TYPE ${qualifiedName(enumLabels.schema, enumLabels.name)} ADD VALUE ${literal(l)};`).join("\n");
  }
  if (!table) return null;
  const name = qualifiedName(table.schema, table.name);
  const column = (side: SnapshotTable | null) => side?.columns.find((c) => c.name === drift.object) ?? null;
  switch (drift.kind) {
    case "table_missing":
      if (drift.onlyOn === "target") return `-- the source has no ${table.schema}.${table.name}: drop it once nothing reads it\nDROP TABLE ${name};`;
      return createTable(table);
    case "column_missing":
      if (drift.onlyOn === "target") return `ALTER TABLE ${name} DROP COLUMN ${quoteIdent(drift.object!)};`;
      return `ALTER TABLE ${name} ADD COLUMN ${columnDefinition(column(source)!)};`;
    case "column_type": {
      const c = column(source)!;
      // Changing a column's type in place needs this session setting on CockroachDB (an online rewrite).
      return `SET enable_experimental_alter_column_type_general = true;\nALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name)} SET DATA TYPE ${cockroachType(c)}${c.collation && !/\.utf-?8$|^C$|^POSIX$/i.test(c.collation) ? ` COLLATE ${quoteIdent(c.collation)}` : ""};`;
    }
    case "column_nullability": {
      const c = column(source)!;
      return `ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name)} ${c.nullable ? "DROP NOT NULL" : "SET NOT NULL"};`;
    }
    case "column_default":
    case "id_generator": {
      const c = column(source)!;
      const d = targetDefault(c);
      return `ALTER TABLE ${name} ALTER COLUMN ${quoteIdent(c.name)} ${d ? `SET DEFAULT ${d}` : "DROP DEFAULT"};`;
    }
    case "primary_key":
      return `ALTER TABLE ${name} ALTER PRIMARY KEY USING COLUMNS (${source!.primaryKey.map(quoteIdent).join(", ")});`;
    case "unique_constraint":
    case "index": {
      if (drift.onlyOn === "target") return `DROP INDEX ${name}@${quoteIdent(drift.object!)} CASCADE;`;
      const index = [...source!.uniques, ...source!.indexes].find((i) => i.name === drift.object)!;
      return `CREATE ${index.unique ? "UNIQUE " : ""}INDEX ${quoteIdent(index.name)} ON ${name} (${index.columns.map(quoteIdent).join(", ")});${index.partial ? "\n-- partial on the source: copy its WHERE clause" : ""}`;
    }
    case "foreign_key": {
      if (drift.onlyOn === "target") return `ALTER TABLE ${name} DROP CONSTRAINT ${quoteIdent(drift.object!)};`;
      const fk = source!.foreignKeys.find((f) => f.name === drift.object)!;
      return `ALTER TABLE ${name} ADD CONSTRAINT ${quoteIdent(fk.name)} FOREIGN KEY (${fk.columns.map(quoteIdent).join(", ")}) REFERENCES ${qualifiedName(fk.references.schema, fk.references.table)} (${fk.references.columns.map(quoteIdent).join(", ")});`;
    }
    default:
      return null;
  }
}

function literal(value: string): string {
  return `'${value.replace(/'/g, "''")}'`;
}

/** The source column's type as CockroachDB spells it: INT8 for every integer (the default size), STRING, JSONB. */
export function cockroachType(c: SnapshotColumn): string {
  const p = parseType(c.type);
  const suffix = p.array ? "[]" : "";
  if (c.kind === "e") return `${quoteIdent((c.elementTypeName ?? c.typeName).replace(/^_/, ""))}${suffix}`;
  switch (p.family) {
    case "integer":
      return `INT8${suffix}`;
    case "text":
      return `${p.size === null ? "STRING" : `STRING(${p.size})`}${suffix}`;
    case "char":
      return `CHAR(${p.size ?? 1})${suffix}`;
    case "jsonb":
      return `JSONB${suffix}`;
    default:
      return c.type.toUpperCase();
  }
}

function targetDefault(c: SnapshotColumn): string | null {
  const g = idGenerator(c);
  if (g === "sequence") return "unique_rowid()";
  if (g === "uuid") return "gen_random_uuid()";
  // A sequence-free default (now(), a constant) reads the same on CockroachDB once the casts are dropped.
  return c.default;
}

function columnDefinition(c: SnapshotColumn): string {
  const d = targetDefault(c);
  return `${quoteIdent(c.name)} ${cockroachType(c)}${c.nullable ? "" : " NOT NULL"}${d ? ` DEFAULT ${d}` : ""}`;
}

function createTable(t: SnapshotTable): string {
  const lines = t.columns.map((c) => `  ${columnDefinition(c)}`);
  if (t.primaryKey.length) lines.push(`  PRIMARY KEY (${t.primaryKey.map(quoteIdent).join(", ")})`);
  for (const u of t.uniques) lines.push(`  CONSTRAINT ${quoteIdent(u.name)} UNIQUE (${u.columns.map(quoteIdent).join(", ")})`);
  return `CREATE TABLE ${qualifiedName(t.schema, t.name)} (\n${lines.join(",\n")}\n);`;
}
