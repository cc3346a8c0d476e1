import { desc, eq } from "drizzle-orm";
import { rampEvents } from "../../db/schema";
import { controlDb } from "~/utils/db.server";

export async function recordRampEvent(event: typeof rampEvents.$inferInsert) {
  await controlDb().insert(rampEvents).values(event);
}

/** The latest ramp event of a cohort (why a due step waits). */
export async function lastRampEvent(cohortId: string) {
  const [row] = await controlDb().select().from(rampEvents).where(eq(rampEvents.cohortId, cohortId)).orderBy(desc(rampEvents.id)).limit(1);
  return row ?? null;
}
