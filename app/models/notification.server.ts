import { and, eq, gt, sql } from "drizzle-orm";
import { notificationEvents, webhookDeliveries, webhookDestinations } from "../../db/schema";
import type { NotificationEvent } from "~/notifications/events";
import { ensureQueue, getBoss } from "~/jobs/boss.server";
import { controlDb } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";

export const DELIVERY_QUEUE = "notifications.deliver";
/** A condition that stays true notifies again after this long (the dedupe key's quiet period). */
const DEFAULT_QUIET_MINUTES = 60;

/**
 * The one way Cutover raises a notification: the event is stored, one delivery per enabled destination is queued
 * as a pg-boss job (retried with backoff by the worker), and the caller goes on. It never throws and never waits
 * on a destination: a failure to notify is one stderr line, never a failed ramp, switch or job.
 */
export async function notify(event: NotificationEvent, options: { quietMinutes?: number; onlyDestinationId?: string } = {}): Promise<number | null> {
  try {
    const queued = await controlDb().transaction(async (tx) => {
      if (event.dedupeKey) {
        // Serialises two workers raising the same condition at once, so it is stored (and delivered) once.
        await tx.execute(sql`select pg_advisory_xact_lock(hashtextextended(${`notify:${event.dedupeKey}`}, 0))`);
        const since = new Date(Date.now() - (options.quietMinutes ?? DEFAULT_QUIET_MINUTES) * 60_000);
        const [recent] = await tx
          .select({ id: notificationEvents.id })
          .from(notificationEvents)
          .where(and(eq(notificationEvents.dedupeKey, event.dedupeKey), gt(notificationEvents.at, since)))
          .limit(1);
        if (recent) return null;
      }
      const [stored] = await tx
        .insert(notificationEvents)
        .values({ type: event.type, severity: event.severity, dedupeKey: event.dedupeKey ?? null, summary: event.summary.slice(0, 1000), detail: event.detail })
        .returning({ id: notificationEvents.id });
      const destinations = await tx
        .select({ id: webhookDestinations.id })
        .from(webhookDestinations)
        .where(options.onlyDestinationId ? eq(webhookDestinations.id, options.onlyDestinationId) : eq(webhookDestinations.enabled, true));
      const deliveries = destinations.length
        ? await tx
            .insert(webhookDeliveries)
            .values(destinations.map((d) => ({ destinationId: d.id, eventId: stored.id })))
            .returning({ id: webhookDeliveries.id })
        : [];
      return { eventId: stored.id, deliveries: deliveries.map((d) => d.id) };
    });
    if (!queued) return null;
    if (queued.deliveries.length) await queueDeliveries(queued.deliveries);
    return queued.eventId;
  } catch (error) {
    process.stderr.write(`notification ${event.type} not raised: ${error instanceof Error ? error.message : String(error)}\n`);
    return null;
  }
}

let queueReady: Promise<void> | null = null;

/** One job per delivery; pg-boss retries a failed one after about delay, 2x delay, 4x delay... (with jitter). */
export async function queueDeliveries(deliveryIds: number[]) {
  const env = getEnv();
  const boss = await getBoss();
  queueReady ??= ensureQueue(boss, DELIVERY_QUEUE, { name: DELIVERY_QUEUE }).catch((error) => {
    queueReady = null;
    throw error;
  });
  await queueReady;
  for (const deliveryId of deliveryIds) {
    await boss.send(
      DELIVERY_QUEUE,
      { deliveryId },
      {
        retryLimit: env.CUTOVER_WEBHOOK_ATTEMPTS - 1,
        retryDelay: env.CUTOVER_WEBHOOK_RETRY_DELAY_SECONDS,
        retryBackoff: true,
        expireInSeconds: 60,
      },
    );
  }
}
