import type { MismatchKind, MismatchOrigin } from "./contract";

/** A mismatch record ready to store: validated, normalized, signed, merged with its batch's same-signature records. */
export interface PreparedRecord {
  signature: string;
  groupKey: string;
  origin: MismatchOrigin;
  kind: MismatchKind;
  table: string;
  primaryKey: string;
  userId: string | null;
  cohortId: string | null;
  fingerprint: string | null;
  sourceValue: string | null;
  targetValue: string | null;
  fieldsKey: string;
  ignoredByRuleId: string | null;
  reconciliationJobId: string | null;
  occurrences: number;
  /** Occurrences per origin (they add up to `occurrences`): one record may be reported by several. */
  shadowReads: number;
  dualWrites: number;
  reconciliations: number;
  firstMs: number;
  lastMs: number;
  /** firstMs and lastMs as toISOString would write them, when the detection time came in that form (or null). */
  firstAt: string | null;
  lastAt: string | null;
}
