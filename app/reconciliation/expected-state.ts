/**
 * What the target is expected to hold: a row whose owner is still on source_only, and whose cohort's data has
 * not been copied by a backfill, is not on the target yet by design. Missing there, it is "not yet migrated",
 * never a mismatch; for an owner in any mirrored mode (dual write onwards) it is one. Pure module.
 */
import type { Mode } from "../rollout/modes";
import type { Difference } from "./types";

export interface OwnerState {
  mode: Mode;
  cohortId: string | null;
}

export interface ExpectedStateSplit {
  /** Differences that are real: mismatches. */
  mismatches: Difference[];
  /** Rows missing on the target that are not expected there yet. */
  notYetMigrated: Difference[];
}

/**
 * Splits differences by expectation. Only missing_in_target rows with a known owner can be "not yet migrated";
 * a row without an owner (no owner column, or NULL in it) keeps whole-table meaning: it belongs on the target.
 */
export function splitByExpectedState(
  differences: Difference[],
  ownerOf: (userId: string) => OwnerState | undefined,
  dataCopied: (cohortId: string | null) => boolean,
): ExpectedStateSplit {
  const split: ExpectedStateSplit = { mismatches: [], notYetMigrated: [] };
  for (const d of differences) {
    const owner = d.kind === "missing_in_target" && d.userId ? ownerOf(d.userId) : undefined;
    if (owner && owner.mode === "source_only" && !dataCopied(owner.cohortId)) split.notYetMigrated.push(d);
    else split.mismatches.push(d);
  }
  return split;
}
