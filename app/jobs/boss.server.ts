import PgBoss from "pg-boss";
import { getEnv } from "~/utils/env.server";
import { dropSingleton, singleton } from "~/utils/singleton.server";

// On globalThis, not in a module variable: the web build bundles its own copy of this module beside the worker's.
const shutdown = globalThis as unknown as { __cutoverBossStopping?: boolean };

/**
 * pg-boss on the control DB: the only queue and scheduler. Web processes use it to send jobs; worker processes
 * (any number, on any machine) also run handlers and cron schedules — pg-boss elects one scheduler by itself.
 */
export function getBoss(options: { worker?: boolean } = {}): Promise<PgBoss> {
  return singleton("pg-boss", async () => {
    const boss = new PgBoss({
      connectionString: getEnv().CUTOVER_DATABASE_URL,
      schema: "pgboss",
      max: 4,
      application_name: "cutover-jobs",
      supervise: options.worker ?? false,
      schedule: options.worker ?? false,
    });
    // After stop() pg-boss may still report its pool's connections being closed: that is the shutdown, not news.
    boss.on("error", (error) => {
      if (!shutdown.__cutoverBossStopping) process.stderr.write(`pg-boss: ${error.message}\n`);
    });
    try {
      await boss.start();
    } catch (error) {
      // Not kept: a process that first asked while the control DB was down must get a working pg-boss once it is back.
      dropSingleton("pg-boss");
      await boss.stop({ graceful: false, wait: false }).catch(() => {});
      throw error;
    }
    return boss;
  });
}

export async function stopBoss() {
  shutdown.__cutoverBossStopping = true;
  const store = globalThis as unknown as { __cutoverSingletons?: Map<string, unknown> };
  const pending = store.__cutoverSingletons?.get("pg-boss") as Promise<PgBoss> | undefined;
  if (!pending) return;
  store.__cutoverSingletons?.delete("pg-boss");
  const boss = await pending.catch(() => null);
  await boss?.stop({ graceful: true, wait: true, timeout: 5_000 });
}

/**
 * How the long jobs' workers (reconciliation, backfill) are sent: a worker that stops because a database went away
 * is sent again after about 5-10, 10-20 and 20-40 s (pg-boss's backoff, with jitter), so a short outage costs
 * seconds; a longer one is left to the resume sweeps (each minute). Given with every send, since a queue's own
 * options are set only when it is created.
 */
export const WORKER_SEND_OPTIONS = { retryLimit: 3, retryDelay: 5, retryBackoff: true } as const;

/** createQueue is not idempotent in pg-boss 10 under races between processes: ignore "already exists". */
export async function ensureQueue(boss: PgBoss, name: string, options?: PgBoss.Queue) {
  const existing = await boss.getQueue(name);
  if (existing) return;
  try {
    await boss.createQueue(name, options);
  } catch (error) {
    if (!/already exists|duplicate key/i.test((error as Error).message)) throw error;
  }
}
