import { runMigrations } from "../../db/migrate";
import { createScratchDatabase, type ScratchDatabase } from "./databases";

/** A scratch database with the control-plane migrations applied. */
export async function createControlDatabase(prefix = "control"): Promise<ScratchDatabase> {
  const db = await createScratchDatabase(prefix);
  await runMigrations(db.url);
  return db;
}
