/**
 * The mismatch vocabulary: origins, kinds and triage statuses. Apart from the contract, so normalization (which
 * the contract's validator uses) can name the kinds a row comparison finds without importing the contract back.
 */
export const MISMATCH_ORIGINS = ["shadow_read", "dual_write_error", "reconciliation"] as const;
export const MISMATCH_KINDS = ["missing_in_target", "extra_in_target", "value_mismatch", "write_error"] as const;
export const MISMATCH_STATUSES = ["open", "investigating", "resolved", "ignored", "repaired"] as const;
export type MismatchOrigin = (typeof MISMATCH_ORIGINS)[number];
export type MismatchKind = (typeof MISMATCH_KINDS)[number];
export type MismatchStatus = (typeof MISMATCH_STATUSES)[number];
/** What comparing two rows can find (a write error is only ever reported by a dual write). */
export type RowMismatchKind = Exclude<MismatchKind, "write_error">;
