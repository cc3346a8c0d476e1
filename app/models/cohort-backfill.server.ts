/**
 * Whether a backfill has copied a cohort's rows of a table to the target. The backfill jobs (issue 14) fill this
 * in; until they exist nothing has been copied, so a source_only owner's row missing on the target is expected.
 */
export async function cohortDataCopied(_cohortId: string | null, _table: { schemaName: string; tableName: string }): Promise<boolean> {
  return false;
}
