import { closeControlDb } from "~/utils/db.server";
import { createControlDatabase } from "../../support/control-db";
import type { ScratchDatabase } from "../../support/databases";

/**
 * Points this test file's process at a fresh migrated control DB, so model functions can be called directly.
 * The control client is a per-process singleton created on first use: set the URL before anything touches it.
 */
export async function useControlDatabase(prefix: string): Promise<{ db: ScratchDatabase; close(): Promise<void> }> {
  const db = await createControlDatabase(prefix);
  process.env.CUTOVER_DATABASE_URL = db.url;
  process.env.SOURCE_DATABASE_URL ??= db.url;
  process.env.TARGET_DATABASE_URL ??= db.url;
  process.env.SESSION_SECRET ??= "test-session-secret-0123456789";
  return {
    db,
    async close() {
      await closeControlDb();
      await db.drop();
    },
  };
}
