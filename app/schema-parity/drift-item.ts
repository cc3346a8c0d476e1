/* A schema difference as the Schema page, the gate and /metrics read it: its kind, where it is and what it breaks. */

/** What a schema difference breaks on the migration's paths. */
export const AFFECTED_PATHS = ["mirrored_writes", "shadow_reads", "reconciliation", "backfill"] as const;
export type AffectedPath = (typeof AFFECTED_PATHS)[number];
export const AFFECTED_PATH_LABELS: Record<AffectedPath, string> = {
  mirrored_writes: "mirrored writes",
  shadow_reads: "shadow reads",
  reconciliation: "reconciliation",
  backfill: "backfill",
};

export type DriftKind =
  | "table_missing"
  | "column_missing"
  | "column_type"
  | "column_nullability"
  | "column_default"
  | "id_generator"
  | "primary_key"
  | "unique_constraint"
  | "index"
  | "foreign_key"
  | "enum_labels";

export interface DriftItem {
  /** "schema.table" (enums: "schema.type"). */
  table: string;
  kind: DriftKind;
  /** Where the object exists when only one side has it, else "both". */
  onlyOn: "source" | "target" | "both";
  /** The column, index or constraint concerned. */
  object: string | null;
  detail: string;
  /** Breaking drift makes the paths below fail or lose data; the rest only changes performance or strictness. */
  breaking: boolean;
  breaks: AffectedPath[];
  /** CockroachDB statements that would bring the target in line (shown, never run). */
  ddl: string | null;
}
