import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from "node:crypto";
import { getEnv } from "~/utils/env.server";

/**
 * Webhook signing secrets must be read back to sign each delivery, so unlike API tokens they cannot be stored
 * hashed: they are encrypted with AES-256-GCM under a key derived from SESSION_SECRET (HKDF, its own label).
 * Changing SESSION_SECRET makes stored secrets unreadable: their destinations then fail visibly in the log.
 */
let derived: { secret: string; key: Buffer } | null = null;

function key(): Buffer {
  const secret = getEnv().SESSION_SECRET;
  if (derived?.secret !== secret) derived = { secret, key: Buffer.from(hkdfSync("sha256", secret, "cutover", "webhook-secret v1", 32)) };
  return derived.key;
}

export function generateWebhookSecret(): string {
  return `whsec_${randomBytes(24).toString("base64url")}`;
}

export function encryptWebhookSecret(plain: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv("aes-256-gcm", key(), iv);
  const body = Buffer.concat([cipher.update(plain, "utf8"), cipher.final()]);
  return ["v1", iv.toString("base64"), cipher.getAuthTag().toString("base64"), body.toString("base64")].join(":");
}

export function decryptWebhookSecret(stored: string): string {
  const [version, iv, tag, body] = stored.split(":");
  if (version !== "v1" || !iv || !tag || body === undefined) throw new Error("unreadable webhook secret");
  const decipher = createDecipheriv("aes-256-gcm", key(), Buffer.from(iv, "base64"));
  decipher.setAuthTag(Buffer.from(tag, "base64"));
  return Buffer.concat([decipher.update(Buffer.from(body, "base64")), decipher.final()]).toString("utf8");
}
