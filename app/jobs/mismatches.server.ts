import type PgBoss from "pg-boss";
import { drainMismatchInbox } from "~/models/mismatch-fold.server";
import { MISMATCH_INBOX_CHANNEL } from "~/models/mismatch-stage.server";
import { controlSql } from "~/utils/db.server";
import { ensureQueue } from "./boss.server";

const SWEEP_QUEUE = "mismatches.fold";

/**
 * Folds staged mismatch batches: on every NOTIFY from the API (so a record shows in triage within about a second),
 * and once a minute through pg-boss in case a notification was missed (listener reconnecting, worker restarting).
 * Within a process one drain runs at a time; a notification during it asks for one more pass.
 */
export function createMismatchFolder(drain: () => Promise<unknown> = drainMismatchInbox) {
  let running: Promise<void> | null = null;
  let again = false;
  const wake = (): Promise<void> => {
    if (running) {
      again = true;
      return running;
    }
    running = (async () => {
      try {
        do {
          again = false;
          await drain();
        } while (again);
      } catch (error) {
        // The fold rolled back and its batches wait in the inbox: the next notification or sweep retries them.
        // A server shutting down (SQLSTATE class 57) is the end of a run, not a failure worth a line.
        const code = (error as { code?: string }).code ?? "";
        if (!code.startsWith("57P")) process.stderr.write(`mismatch fold failed: ${(error as Error).message}\n`);
      } finally {
        running = null;
      }
    })();
    return running;
  };
  return { wake };
}

export async function registerMismatchJobs(boss: PgBoss) {
  const folder = createMismatchFolder();
  await controlSql().listen(MISMATCH_INBOX_CHANNEL, () => void folder.wake());
  await ensureQueue(boss, SWEEP_QUEUE, { name: SWEEP_QUEUE, policy: "singleton" });
  await boss.work(SWEEP_QUEUE, async () => {
    await folder.wake();
  });
  await boss.schedule(SWEEP_QUEUE, "* * * * *");
  // Batches accepted while no worker ran are folded right away on start-up.
  void folder.wake();
}
