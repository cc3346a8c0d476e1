import { getBoss, stopBoss } from "../app/jobs/boss.server";
import { registerJobs } from "../app/jobs/index.server";

/** The job worker: pg-boss handlers and cron schedules of every domain. Any number may run against one control DB. */
export async function startWorker() {
  const boss = await getBoss({ worker: true });
  await registerJobs(boss);
  return { stop: stopBoss };
}
