import type { CatalogSnapshot, SnapshotColumn, SnapshotIndex, SnapshotTable } from "../reconciliation/catalog-snapshot";
import { AFFECTED_PATHS, type AffectedPath, type DriftItem } from "./drift-item";
import { fixDdl } from "./fix-ddl";
import { collationWithoutCounterpart, compareTypes, idGenerator, normalizeDefault } from "./type-mapping";

export { AFFECTED_PATHS, AFFECTED_PATH_LABELS, type AffectedPath, type DriftItem, type DriftKind } from "./drift-item";

type Draft = Omit<DriftItem, "table" | "ddl">;

const ALL: AffectedPath[] = [...AFFECTED_PATHS];
const WRITES: AffectedPath[] = ["mirrored_writes", "backfill"];

const key = (t: { schema: string; name: string }) => `${t.schema}.${t.name}`;
const signature = (i: SnapshotIndex) => `${i.unique ? "u" : "i"}${i.partial ? "p" : ""}:${i.columns.join(",")}`;

/**
 * Every difference between the source's and the target's catalogs that the PostgreSQL → CockroachDB type
 * mapping does not explain, per table, with what it breaks and the DDL that would fix the target.
 */
export function schemaDrift(source: CatalogSnapshot, target: CatalogSnapshot): DriftItem[] {
  const out: DriftItem[] = [];
  // Only the schemas the source has are the application's: a target-only schema (a cluster's own) is not compared.
  const schemas = new Set(source.tables.map((t) => t.schema));
  const targetTables = new Map(target.tables.filter((t) => schemas.has(t.schema)).map((t) => [key(t), t]));
  const sourceTables = new Set(source.tables.map(key));
  const push = (table: string, draft: Draft, s: SnapshotTable | null, t: SnapshotTable | null) => out.push({ table, ...draft, ddl: fixDdl(draft, s, t) });
  for (const s of source.tables) {
    const t = targetTables.get(key(s));
    if (!t) {
      push(
        key(s),
        { kind: "table_missing", onlyOn: "source", object: null, detail: `table ${key(s)} does not exist on the target`, breaking: true, breaks: ALL },
        s,
        null,
      );
      continue;
    }
    for (const d of tableDrift(s, t)) push(key(s), d, s, t);
  }
  for (const t of targetTables.values()) {
    if (!sourceTables.has(key(t))) {
      push(
        key(t),
        {
          kind: "table_missing",
          onlyOn: "target",
          object: null,
          detail: `table ${key(t)} exists on the target only`,
          breaking: false,
          breaks: ["reconciliation"],
        },
        null,
        t,
      );
    }
  }
  const targetEnums = new Map(target.enums.map((e) => [key(e), e]));
  for (const e of source.enums) {
    const t = targetEnums.get(key(e));
    const missing = t ? e.labels.filter((l) => !t.labels.includes(l)) : [];
    if (!missing.length) continue;
    const ddl = fixDdl({ kind: "enum_labels", onlyOn: "source", object: null }, null, null, { schema: e.schema, name: e.name, labels: missing });
    // Reported on each table with a column of that enum: those are the writes that fail (and what the gate checks).
    for (const s of source.tables) {
      for (const c of s.columns.filter((c) => c.kind === "e" && (c.elementTypeName ?? c.typeName) === e.name)) {
        const detail = `column ${c.name}: enum ${key(e)} lacks ${missing.map((l) => `'${l}'`).join(", ")} on the target: rows with them are rejected`;
        out.push({ table: key(s), kind: "enum_labels", onlyOn: "source", object: c.name, detail, breaking: true, breaks: WRITES, ddl });
      }
    }
  }
  return out;
}

function tableDrift(s: SnapshotTable, t: SnapshotTable): Draft[] {
  const drafts: Draft[] = [];
  const targetColumns = new Map(t.columns.map((c) => [c.name, c]));
  const sourceColumns = new Set(s.columns.map((c) => c.name));
  for (const sc of s.columns) {
    const tc = targetColumns.get(sc.name);
    if (!tc) {
      drafts.push({
        kind: "column_missing",
        onlyOn: "source",
        object: sc.name,
        detail: `column ${sc.name} (${sc.type}) is missing on the target: a write naming it fails there`,
        breaking: true,
        breaks: ALL,
      });
      continue;
    }
    drafts.push(...columnDrift(sc, tc));
  }
  for (const tc of t.columns) {
    if (sourceColumns.has(tc.name)) continue;
    const rejects = !tc.nullable && tc.default === null && !tc.identity;
    drafts.push({
      kind: "column_missing",
      onlyOn: "target",
      object: tc.name,
      detail: rejects
        ? `column ${tc.name} exists on the target only, NOT NULL without a default: every mirrored insert is rejected`
        : `column ${tc.name} (${tc.type}) exists on the target only`,
      breaking: rejects,
      breaks: rejects ? WRITES : ["reconciliation"],
    });
  }
  if (s.primaryKey.join(",") !== t.primaryKey.join(",")) {
    drafts.push({
      kind: "primary_key",
      onlyOn: "both",
      object: s.primaryKey.join(", ") || null,
      detail: `primary key (${s.primaryKey.join(", ") || "none"}) on the source but (${t.primaryKey.join(", ") || "none"}) on the target`,
      breaking: true,
      breaks: ALL,
    });
  }
  drafts.push(...indexDrift(s.uniques, t.uniques, "unique_constraint"), ...indexDrift(s.indexes, t.indexes, "index"));
  const fk = (f: SnapshotTable["foreignKeys"][number]) =>
    `${f.columns.join(",")}>${f.references.schema}.${f.references.table}(${f.references.columns.join(",")})`;
  const targetFks = new Set(t.foreignKeys.map(fk));
  const sourceFks = new Set(s.foreignKeys.map(fk));
  for (const f of s.foreignKeys.filter((f) => !targetFks.has(fk(f)))) {
    drafts.push({
      kind: "foreign_key",
      onlyOn: "source",
      object: f.name,
      detail: `foreign key ${f.name} (${f.columns.join(", ")}) → ${f.references.table} is missing on the target: orphans go unnoticed there`,
      breaking: false,
      breaks: [],
    });
  }
  for (const f of t.foreignKeys.filter((f) => !sourceFks.has(fk(f)))) {
    drafts.push({
      kind: "foreign_key",
      onlyOn: "target",
      object: f.name,
      detail: `foreign key ${f.name} (${f.columns.join(", ")}) → ${f.references.table} exists on the target only: writes the source accepts (or takes in another order) are rejected`,
      breaking: true,
      breaks: WRITES,
    });
  }
  return drafts;
}

function columnDrift(sc: SnapshotColumn, tc: SnapshotColumn): Draft[] {
  const drafts: Draft[] = [];
  const type = compareTypes(sc, tc);
  if (type.kind === "narrower" || type.kind === "different") {
    drafts.push({
      kind: "column_type",
      onlyOn: "both",
      object: sc.name,
      detail: `column ${sc.name}: ${type.why}`,
      breaking: true,
      breaks: type.kind === "narrower" ? WRITES : ALL,
    });
  }
  if (sc.nullable && !tc.nullable) {
    drafts.push({
      kind: "column_nullability",
      onlyOn: "both",
      object: sc.name,
      detail: `column ${sc.name} is NOT NULL on the target only: rows with a NULL are rejected`,
      breaking: true,
      breaks: WRITES,
    });
  } else if (!sc.nullable && tc.nullable) {
    drafts.push({
      kind: "column_nullability",
      onlyOn: "both",
      object: sc.name,
      detail: `column ${sc.name} is NOT NULL on the source only`,
      breaking: false,
      breaks: [],
    });
  }
  const sg = idGenerator(sc);
  const tg = idGenerator(tc);
  if (sg !== tg && (sg !== "other" || tg !== "other")) {
    if (sg !== "none" || tg !== "none") {
      drafts.push({
        kind: "id_generator",
        onlyOn: "both",
        object: sc.name,
        detail: `column ${sc.name} gets ${describeGenerator(sc)} on the source but ${describeGenerator(tc)} on the target: rows created on each side get ids of another kind`,
        breaking: true,
        breaks: ["mirrored_writes", "reconciliation"],
      });
    }
  } else if (sg === "other" && normalizeDefault(sc.default) !== normalizeDefault(tc.default)) {
    drafts.push({
      kind: "column_default",
      onlyOn: "both",
      object: sc.name,
      detail: `column ${sc.name} defaults to ${sc.default} on the source but ${tc.default} on the target`,
      breaking: false,
      breaks: ["reconciliation"],
    });
  }
  // A collation CockroachDB has no counterpart for is the expected mapping; another explicit one is drift.
  if (sc.collation !== tc.collation && !collationWithoutCounterpart(sc.collation) && tc.collation !== null) {
    drafts.push({
      kind: "column_type",
      onlyOn: "both",
      object: sc.name,
      detail: `column ${sc.name} collates ${sc.collation ?? "by default"} on the source but ${tc.collation} on the target: ordered reads differ`,
      breaking: false,
      breaks: ["shadow_reads"],
    });
  }
  return drafts;
}

function describeGenerator(c: SnapshotColumn): string {
  const g = idGenerator(c);
  return g === "none"
    ? "no default"
    : g === "sequence"
      ? `integer ids (${c.identity ? "identity" : c.default})`
      : g === "uuid"
        ? `UUIDs (${c.default})`
        : `${c.default}`;
}

function indexDrift(source: SnapshotIndex[], target: SnapshotIndex[], kind: "unique_constraint" | "index"): Draft[] {
  const drafts: Draft[] = [];
  const t = new Set(target.map(signature));
  const s = new Set(source.map(signature));
  const what = kind === "index" ? "index" : "unique constraint";
  for (const i of source.filter((i) => !t.has(signature(i)))) {
    drafts.push({
      kind,
      onlyOn: "source",
      object: i.name,
      detail: `${what} ${i.name} (${i.columns.join(", ")}) is missing on the target${kind === "index" ? ": shadow reads and reconciliation scan instead" : ": duplicates the source rejects are accepted there"}`,
      breaking: false,
      breaks: kind === "index" ? [] : ["shadow_reads"],
    });
  }
  for (const i of target.filter((i) => !s.has(signature(i)))) {
    drafts.push({
      kind,
      onlyOn: "target",
      object: i.name,
      detail: `${what} ${i.name} (${i.columns.join(", ")}) exists on the target only${kind === "index" ? "" : ": rows the source accepts are rejected as duplicates"}`,
      breaking: kind !== "index",
      breaks: kind === "index" ? [] : WRITES,
    });
  }
  return drafts;
}
