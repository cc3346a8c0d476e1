/**
 * How a sensitive column's value is stored in mismatch records: a keyed hash behind this prefix. Kept apart from
 * the hashing (node:crypto) so the browser's diff view can recognise one.
 */
export const SENSITIVE_HASH_PREFIX = "sensitive:hmac-sha256:";

export function isSensitiveHash(value: unknown): value is string {
  return typeof value === "string" && value.startsWith(SENSITIVE_HASH_PREFIX) && value.length === SENSITIVE_HASH_PREFIX.length + 64;
}
