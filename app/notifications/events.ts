import { createHmac, timingSafeEqual } from "node:crypto";

/**
 * What Cutover notifies about, and the two bodies a destination can receive. Pure: the model stores events and
 * the delivery job posts these bodies; the tests' receiver checks the signature with verifySignature.
 */
export const NOTIFICATION_EVENT_TYPES = [
  "gate.blocked",
  "emergency.set",
  "emergency.cleared",
  "job.failed",
  "collector.stale",
  "runway.low",
  "mismatch_budget.breached",
  "latency_budget.exceeded",
  "mismatches.set_aside",
  "notification.test",
] as const;
export type NotificationEventType = (typeof NOTIFICATION_EVENT_TYPES)[number];
export type NotificationSeverity = "info" | "warning" | "critical";

export interface NotificationEvent {
  type: NotificationEventType;
  severity: NotificationSeverity;
  /** One line a person reads in a chat channel. */
  summary: string;
  detail: Record<string, unknown>;
  /**
   * A condition that stays true (a closed gate re-checked by every ramp pass) notifies once per key within the
   * quiet period; null notifies every time.
   */
  dedupeKey?: string | null;
}

export interface StoredEvent extends NotificationEvent {
  id: number;
  at: Date;
}

/** The generic JSON body: stable field names, so receivers can route on `type`. */
export function jsonBody(event: StoredEvent): string {
  return JSON.stringify({
    id: String(event.id),
    type: event.type,
    severity: event.severity,
    summary: event.summary,
    detail: event.detail,
    at: event.at.toISOString(),
    source: "cutover",
  });
}

const SLACK_ICON: Record<NotificationSeverity, string> = { info: ":information_source:", warning: ":warning:", critical: ":rotating_light:" };

/** A Slack incoming-webhook body (also what Mattermost and Rocket.Chat accept): `text` plus one section block. */
export function slackBody(event: StoredEvent): string {
  const text = `${SLACK_ICON[event.severity]} *Cutover · ${event.type}*: ${event.summary}`;
  return JSON.stringify({
    text,
    blocks: [{ type: "section", text: { type: "mrkdwn", text } }],
  });
}

export const SIGNATURE_HEADER = "x-cutover-signature";
export const TIMESTAMP_HEADER = "x-cutover-timestamp";
export const EVENT_HEADER = "x-cutover-event";

/**
 * `sha256=<hex>` of HMAC-SHA256(secret, "<timestamp>.<body>"): the timestamp is signed too, so a receiver can
 * refuse a replay of an old delivery (the scheme Stripe and Slack use).
 */
export function signBody(secret: string, timestamp: number, body: string): string {
  return `sha256=${createHmac("sha256", secret).update(`${timestamp}.${body}`).digest("hex")}`;
}

export function verifySignature(secret: string, timestamp: string, body: string, signature: string): boolean {
  const expected = Buffer.from(signBody(secret, Number(timestamp), body));
  const given = Buffer.from(signature);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A reconciliation or backfill job that ended failed (each job notifies once: its id is the dedupe key). */
export function jobFailedEvent(
  kind: "reconciliation" | "backfill",
  job: { id: string; schemaName: string; tableName: string },
  error: string,
): NotificationEvent {
  return {
    type: "job.failed",
    severity: "warning",
    summary: `${kind} job on ${job.schemaName}.${job.tableName} failed: ${error.slice(0, 300)}`,
    detail: { kind, jobId: job.id, table: `${job.schemaName}.${job.tableName}`, error: error.slice(0, 2000) },
    dedupeKey: `job.failed:${job.id}`,
  };
}
