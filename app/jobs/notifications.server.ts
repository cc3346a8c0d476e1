import type PgBoss from "pg-boss";
import { DELIVERY_QUEUE } from "~/models/notification.server";
import { watchConditions } from "~/models/notification-watch.server";
import { attemptWebhookDelivery } from "~/models/webhook.server";
import { ensureQueue } from "./boss.server";

const WATCH_QUEUE = "notifications.watch";

/** Webhook deliveries (retried by pg-boss with backoff) and the once-a-minute check of standing conditions. */
export async function registerNotificationJobs(boss: PgBoss) {
  await ensureQueue(boss, DELIVERY_QUEUE, { name: DELIVERY_QUEUE });
  await boss.work<{ deliveryId: number }>(DELIVERY_QUEUE, { batchSize: 4, pollingIntervalSeconds: 1 }, async (jobs) => {
    // Deliveries of one batch go out side by side: a slow receiver holds up only its own.
    // Only the ones to retry are failed (pg-boss schedules their retry with backoff); returning completes the rest.
    const outcomes = await Promise.all(jobs.map((job) => attemptWebhookDelivery(job.data.deliveryId)));
    const retry = jobs.filter((_, i) => outcomes[i] === "retry").map((job) => job.id);
    if (retry.length > 0) await boss.fail(DELIVERY_QUEUE, retry);
  });
  await ensureQueue(boss, WATCH_QUEUE, { name: WATCH_QUEUE, policy: "singleton" });
  await boss.work(WATCH_QUEUE, async () => {
    await watchConditions();
  });
  await boss.schedule(WATCH_QUEUE, "* * * * *");
}
