import { hkdfSync } from "node:crypto";
import { SensitiveMask, type SensitiveColumn } from "../sensitive/sensitive-values";
import { controlSql } from "~/utils/db.server";
import { getEnv } from "~/utils/env.server";

/**
 * The HMAC key, derived from SESSION_SECRET (HKDF, its own label): never stored next to the hashes it keys.
 * A new SESSION_SECRET makes new hashes, so values hashed before and after compare as different.
 */
export function sensitiveHashKey(): Buffer {
  const secret = getEnv().SESSION_SECRET;
  if (derived?.secret !== secret) derived = { secret, key: Buffer.from(hkdfSync("sha256", secret, "cutover", "sensitive-column-hash v1", 32)) };
  return derived.key;
}
let derived: { secret: string; key: Buffer } | undefined;

/** What ingestion hashes with: the marked columns and the key (one small query per batch, like the rules). */
export async function loadSensitiveMask(): Promise<SensitiveMask> {
  const rows = await controlSql()<{ table_name: string; column_name: string }[]>`select table_name, column_name from sensitive_columns`;
  return sensitiveMaskOf(rows.map((r) => ({ table: r.table_name, column: r.column_name })));
}

export function sensitiveMaskOf(columns: SensitiveColumn[]): SensitiveMask {
  return new SensitiveMask(columns, sensitiveHashKey());
}
