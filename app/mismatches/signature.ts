import { hash as digest } from "node:crypto";

// Relative imports only: the migration step that recomputes stored signatures (db/migration-steps) uses this too.

/** Field names joined with the ASCII unit separator: column names never contain it, commas sometimes do. */
export const FIELD_SEPARATOR = "\u001f";

export function sha1(text: string): string {
  // The one-shot crypto.hash: a createHash object per record cost more than the hashing itself.
  return digest("sha1", text, "hex");
}

/**
 * What deduplicates records: table, key identity (primaryKeyIdentity), kind and differing fields. Ingestion and
 * the migration of stored records must agree on it byte for byte, so it is written once, here.
 */
export function mismatchSignature(table: string, keyIdentity: string, kind: string, fieldsKey: string): string {
  return sha1(`${table}\u0000${keyIdentity}\u0000${kind}\u0000${fieldsKey}`);
}
