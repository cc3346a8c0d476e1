import { lookup } from "node:dns/promises";
import { desc, eq, sql } from "drizzle-orm";
import { notificationEvents, webhookAttempts, webhookDeliveries, webhookDestinations, type WebhookFormat } from "../../db/schema";
import { EVENT_HEADER, jsonBody, signBody, slackBody, SIGNATURE_HEADER, TIMESTAMP_HEADER, type StoredEvent } from "~/notifications/events";
import { checkWebhookUrl, privateAddressReason } from "~/notifications/webhook-url";
import { recordAudit, type Actor } from "./audit.server";
import { notify } from "./notification.server";
import { decryptWebhookSecret, encryptWebhookSecret, generateWebhookSecret } from "./webhook-secret.server";
import { controlDb } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";

export class WebhookInputError extends Error {}

export interface DestinationInput {
  name: string;
  url: string;
  format: WebhookFormat;
  allowPrivateAddresses: boolean;
}

const LIST_COLUMNS = {
  id: webhookDestinations.id,
  name: webhookDestinations.name,
  url: webhookDestinations.url,
  format: webhookDestinations.format,
  secretPrefix: webhookDestinations.secretPrefix,
  allowPrivateAddresses: webhookDestinations.allowPrivateAddresses,
  enabled: webhookDestinations.enabled,
  createdBy: webhookDestinations.createdBy,
  createdAt: webhookDestinations.createdAt,
};

/** Destinations without their secrets (never read back to a page). */
export async function listWebhookDestinations() {
  return controlDb().select(LIST_COLUMNS).from(webhookDestinations).orderBy(webhookDestinations.createdAt);
}

/** Creates a destination; the generated secret is returned this once and stored only encrypted. */
export async function createWebhookDestination(actor: Actor, input: DestinationInput): Promise<{ id: string; secret: string }> {
  const check = checkWebhookUrl(input.url, input.allowPrivateAddresses);
  if (!check.ok) throw new WebhookInputError(check.reason);
  const secret = generateWebhookSecret();
  return controlDb().transaction(async (tx) => {
    const [row] = await tx
      .insert(webhookDestinations)
      .values({
        name: input.name,
        url: check.url.toString(),
        format: input.format,
        secretCiphertext: encryptWebhookSecret(secret),
        secretPrefix: secret.slice(0, 10),
        allowPrivateAddresses: input.allowPrivateAddresses,
        createdBy: actor.label,
      })
      .returning({ id: webhookDestinations.id });
    const after = { name: input.name, url: check.url.toString(), format: input.format, allowPrivateAddresses: input.allowPrivateAddresses };
    await recordAudit(actor, { action: "webhook.create", entityType: "webhook", entityId: row.id, before: null, after }, tx);
    return { id: row.id, secret };
  });
}

export async function setWebhookEnabled(actor: Actor, id: string, enabled: boolean) {
  await controlDb().transaction(async (tx) => {
    const [row] = await tx.update(webhookDestinations).set({ enabled }).where(eq(webhookDestinations.id, id)).returning({ id: webhookDestinations.id });
    if (!row) throw new Response("No such destination", { status: 404 });
    await recordAudit(
      actor,
      { action: enabled ? "webhook.enable" : "webhook.disable", entityType: "webhook", entityId: id, before: { enabled: !enabled }, after: { enabled } },
      tx,
    );
  });
}

export async function deleteWebhookDestination(actor: Actor, id: string) {
  await controlDb().transaction(async (tx) => {
    const [row] = await tx
      .delete(webhookDestinations)
      .where(eq(webhookDestinations.id, id))
      .returning({ name: webhookDestinations.name, url: webhookDestinations.url });
    if (!row) throw new Response("No such destination", { status: 404 });
    await recordAudit(actor, { action: "webhook.delete", entityType: "webhook", entityId: id, before: row, after: null }, tx);
  });
}

/** Queues a test event to one destination (enabled or not), through the same delivery job as real events. */
export async function sendTestNotification(actor: Actor, id: string) {
  const [row] = await controlDb().select({ name: webhookDestinations.name }).from(webhookDestinations).where(eq(webhookDestinations.id, id));
  if (!row) throw new Response("No such destination", { status: 404 });
  await recordAudit(actor, { action: "webhook.test", entityType: "webhook", entityId: id });
  return notify(
    { type: "notification.test", severity: "info", summary: `Test notification to ${row.name}, sent by ${actor.label}`, detail: { destination: row.name } },
    { onlyDestinationId: id },
  );
}

/** The delivery log: each attempt of the latest deliveries, newest first. */
export async function listWebhookAttempts(destinationId: string, limit = 50) {
  return controlDb()
    .select({
      deliveryId: webhookDeliveries.id,
      eventType: notificationEvents.type,
      summary: notificationEvents.summary,
      deliveryStatus: webhookDeliveries.status,
      attempt: webhookAttempts.attempt,
      at: webhookAttempts.at,
      httpStatus: webhookAttempts.httpStatus,
      error: webhookAttempts.error,
      durationMs: webhookAttempts.durationMs,
    })
    .from(webhookAttempts)
    .innerJoin(webhookDeliveries, eq(webhookDeliveries.id, webhookAttempts.deliveryId))
    .innerJoin(notificationEvents, eq(notificationEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.destinationId, destinationId))
    .orderBy(desc(webhookAttempts.id))
    .limit(limit);
}

/** Deliveries still waiting for a first or a next attempt, per destination (the page shows them as queued). */
export async function pendingDeliveryCounts(): Promise<Record<string, number>> {
  const rows = await controlDb()
    .select({ destinationId: webhookDeliveries.destinationId, count: sql<number>`count(*)::int` })
    .from(webhookDeliveries)
    .where(eq(webhookDeliveries.status, "pending"))
    .groupBy(webhookDeliveries.destinationId);
  return Object.fromEntries(rows.map((r) => [r.destinationId, r.count]));
}

const DELIVERY_TIMEOUT_MS = 10_000;

export type DeliveryOutcome = "delivered" | "retry" | "failed" | "done";

/**
 * One attempt of one delivery (the pg-boss job's body): posts the body, logs the attempt, and answers "retry"
 * while attempts remain (the job then throws so pg-boss retries it with backoff). Redirects are not followed
 * and the host's addresses are checked again here, so DNS cannot point an allowed name at a private address.
 */
export async function attemptWebhookDelivery(deliveryId: number): Promise<DeliveryOutcome> {
  const db = controlDb();
  const [row] = await db
    .select({
      status: webhookDeliveries.status,
      attempts: webhookDeliveries.attempts,
      url: webhookDestinations.url,
      format: webhookDestinations.format,
      secretCiphertext: webhookDestinations.secretCiphertext,
      allowPrivateAddresses: webhookDestinations.allowPrivateAddresses,
      event: {
        id: notificationEvents.id,
        type: notificationEvents.type,
        severity: notificationEvents.severity,
        summary: notificationEvents.summary,
        detail: notificationEvents.detail,
        at: notificationEvents.at,
      },
    })
    .from(webhookDeliveries)
    .innerJoin(webhookDestinations, eq(webhookDestinations.id, webhookDeliveries.destinationId))
    .innerJoin(notificationEvents, eq(notificationEvents.id, webhookDeliveries.eventId))
    .where(eq(webhookDeliveries.id, deliveryId));
  // Deleted with its destination, or finished by an earlier run of this job.
  if (!row || row.status !== "pending") return "done";
  const attempt = row.attempts + 1;
  const started = Date.now();
  let httpStatus: number | null = null;
  let error: string | null = null;
  try {
    const url = new URL(row.url);
    if (!row.allowPrivateAddresses) await refusePrivateResolution(url.hostname);
    const body = row.format === "slack" ? slackBody(row.event as StoredEvent) : jsonBody(row.event as StoredEvent);
    const timestamp = Math.floor(Date.now() / 1000);
    const response = await fetch(url, {
      method: "POST",
      redirect: "manual",
      signal: AbortSignal.timeout(DELIVERY_TIMEOUT_MS),
      headers: {
        "content-type": "application/json",
        "user-agent": "Cutover-Webhook/1",
        [EVENT_HEADER]: row.event.type,
        [TIMESTAMP_HEADER]: String(timestamp),
        [SIGNATURE_HEADER]: signBody(decryptWebhookSecret(row.secretCiphertext), timestamp, body),
      },
      body,
    });
    httpStatus = response.status;
    await response.body?.cancel().catch(() => {});
    if (response.status < 200 || response.status >= 300) error = `the receiver answered ${response.status}`;
  } catch (caught) {
    const cause = (caught as { cause?: { code?: string; message?: string } }).cause;
    error = (cause?.code ? `${cause.code}: ${cause.message ?? ""}` : caught instanceof Error ? caught.message : String(caught)).slice(0, 500);
  }
  const delivered = error === null;
  const last = !delivered && attempt >= getEnv().CUTOVER_WEBHOOK_ATTEMPTS;
  const status = delivered ? "delivered" : last ? "failed" : "pending";
  await db.transaction(async (tx) => {
    await tx.insert(webhookAttempts).values({ deliveryId, attempt, httpStatus, error, durationMs: Date.now() - started });
    await tx
      .update(webhookDeliveries)
      .set({ attempts: attempt, status, finishedAt: status === "pending" ? null : new Date() })
      .where(eq(webhookDeliveries.id, deliveryId));
  });
  return delivered ? "delivered" : last ? "failed" : "retry";
}

async function refusePrivateResolution(hostname: string) {
  const host = hostname.replace(/^\[|\]$/g, "");
  const addresses = await lookup(host, { all: true });
  for (const { address } of addresses) {
    const reason = privateAddressReason(address);
    if (reason) throw new Error(`${hostname} resolves to ${address}, ${reason}; an admin must allow private addresses for this destination`);
  }
}
