import { bigint, bigserial, boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import { cohorts } from "./rollout";
import { WEBHOOK_FORMATS, type WebhookFormat } from "../../app/notifications/formats";

export { WEBHOOK_FORMATS, type WebhookFormat };
export const DELIVERY_STATUSES = ["pending", "delivered", "failed"] as const;
export type DeliveryStatus = (typeof DELIVERY_STATUSES)[number];

/**
 * Where Cutover sends its own notifications. The signing secret is stored encrypted (AES-256-GCM under a key
 * derived from SESSION_SECRET) because deliveries need it in clear; it is shown once, when created.
 */
export const webhookDestinations = pgTable("webhook_destinations", {
  id: uuid("id").primaryKey().defaultRandom(),
  name: text("name").notNull(),
  url: text("url").notNull(),
  format: text("format").$type<WebhookFormat>().notNull(),
  secretCiphertext: text("secret_ciphertext").notNull(),
  /** First characters of the secret, so people can tell which one a receiver holds. */
  secretPrefix: text("secret_prefix").notNull(),
  /** An admin's explicit permission to deliver to loopback, link-local or private addresses (a receiver beside Cutover). */
  allowPrivateAddresses: boolean("allow_private_addresses").notNull().default(false),
  enabled: boolean("enabled").notNull().default(true),
  createdBy: text("created_by").notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Every event Cutover raised (gate closed, emergency switch, job failed, ...). `dedupeKey` keeps a condition
 * that stays true from notifying on every check: one event per key within its quiet period.
 */
export const notificationEvents = pgTable(
  "notification_events",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    type: text("type").notNull(),
    severity: text("severity").$type<"info" | "warning" | "critical">().notNull(),
    dedupeKey: text("dedupe_key"),
    summary: text("summary").notNull(),
    detail: jsonb("detail").$type<Record<string, unknown>>().notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index("notification_events_dedupe_idx").on(t.dedupeKey, t.at), index("notification_events_at_idx").on(t.at)],
);

/** One event for one destination: delivered by a pg-boss job that retries with backoff. */
export const webhookDeliveries = pgTable(
  "webhook_deliveries",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    destinationId: uuid("destination_id")
      .notNull()
      .references(() => webhookDestinations.id, { onDelete: "cascade" }),
    eventId: bigint("event_id", { mode: "number" })
      .notNull()
      .references(() => notificationEvents.id, { onDelete: "cascade" }),
    status: text("status").$type<DeliveryStatus>().notNull().default("pending"),
    attempts: integer("attempts").notNull().default(0),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
    finishedAt: timestamp("finished_at", { withTimezone: true }),
  },
  (t) => [index("webhook_deliveries_destination_idx").on(t.destinationId, t.id), index("webhook_deliveries_status_idx").on(t.status)],
);

/** The delivery log: each HTTP attempt, with the receiver's status or the error. */
export const webhookAttempts = pgTable(
  "webhook_attempts",
  {
    id: bigserial("id", { mode: "number" }).primaryKey(),
    deliveryId: bigint("delivery_id", { mode: "number" })
      .notNull()
      .references(() => webhookDeliveries.id, { onDelete: "cascade" }),
    attempt: integer("attempt").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
    httpStatus: integer("http_status"),
    error: text("error"),
    durationMs: integer("duration_ms").notNull(),
  },
  (t) => [index("webhook_attempts_delivery_idx").on(t.deliveryId, t.id)],
);

/** The latest gate results per cohort (from any advance attempt), for /metrics and the alerting rules. */
export const gateStates = pgTable(
  "gate_states",
  {
    cohortId: uuid("cohort_id")
      .notNull()
      .references(() => cohorts.id, { onDelete: "cascade" }),
    gate: text("gate").notNull(),
    passed: boolean("passed").notNull(),
    reason: text("reason").notNull(),
    at: timestamp("at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.cohortId, t.gate] })],
);
