import type postgres from "postgres";
import type { KeyTuple } from "../reconciliation/keys";
import type { CohortMembers } from "../reconciliation/types";

/**
 * Which rows a backfill copies. The same scopes as a reconciliation (so the converge rounds verify exactly what
 * was copied); a cohort is resolved to its users once, by the first worker, and kept in `members`.
 */
export type BackfillScope =
  | { kind: "table" }
  | { kind: "range"; from?: KeyTuple; to?: KeyTuple }
  | { kind: "users"; column: string; ids: string[] }
  | { kind: "cohort"; cohortId: string; column: string; members?: CohortMembers };

/** One converge round: a verify of the scope (a reconciliation job) and the source-wins repair of what it found. */
export interface BackfillRound {
  round: number;
  reconciliationJobId: string;
  differences: number;
  repaired: number;
  /** Differences the repair left (a row the target refused, or one that changed again). */
  remaining: number;
  error?: string;
  finishedAt: string;
}

/** Defaults sized for CockroachDB transactions: a few thousand rows, a few MiB per batch. */
export const BACKFILL_DEFAULTS = { batchRows: 2_000, batchBytes: 4 * 1024 * 1024, maxRounds: 3, workers: 2 } as const;

/** The connections a backfill worker uses. */
export interface BackfillSides {
  /** Read-only source (the copy reads it; the converge rounds verify with it). */
  source: postgres.Sql;
  /** Read-only target, for the verify rounds. */
  target: postgres.Sql;
  /** The writing connection to the target (repairSql): copies and repairs only. */
  targetWriter: postgres.Sql;
}
