import { createHmac } from "node:crypto";
import { canonicalJson } from "../normalization/canonical";
import { SENSITIVE_HASH_PREFIX, isSensitiveHash } from "./hashed-value";

/** A column an admin marked sensitive: `table` as mismatch records name it (see sensitiveTableKey). */
export interface SensitiveColumn {
  table: string;
  column: string;
}

/**
 * One spelling per table: lower-case, quotes dropped, `public.` implied (the reconciliation engine records a
 * public table as `users`, other schemas as `schema.users`; application servers report either).
 */
export function sensitiveTableKey(table: string): string {
  const name = table.replace(/"/g, "").trim().toLowerCase();
  return name.startsWith("public.") ? name.slice("public.".length) : name;
}

/**
 * The keyed hash of one value: equal values hash equal (so "equal/different" survives), but without the key a
 * list of candidate e-mail addresses cannot be hashed to find which one it was. NULL stays NULL (absence is not
 * the secret, and NULL vs a value is a difference worth seeing).
 */
export function hashSensitiveValue(key: Buffer, value: unknown): unknown {
  if (value === null || value === undefined || isSensitiveHash(value)) return value;
  return SENSITIVE_HASH_PREFIX + createHmac("sha256", key).update(canonicalJson(value, true)).digest("hex");
}

/**
 * Replaces the sensitive columns of reported rows by their hashes. Built once per batch; a batch with no sensitive
 * column anywhere costs one map lookup per record.
 */
export class SensitiveMask {
  private readonly byTable = new Map<string, Set<string>>();

  constructor(
    columns: SensitiveColumn[],
    private readonly key: Buffer,
  ) {
    for (const c of columns) {
      const table = sensitiveTableKey(c.table);
      let set = this.byTable.get(table);
      if (!set) this.byTable.set(table, (set = new Set()));
      set.add(c.column.toLowerCase());
    }
  }

  get empty(): boolean {
    return this.byTable.size === 0;
  }

  /** The sensitive columns of a table (lower-case), if any. */
  columnsOf(table: string): Set<string> | undefined {
    return this.byTable.size ? this.byTable.get(sensitiveTableKey(table)) : undefined;
  }

  /**
   * A row (column -> value) with its sensitive columns hashed; anything else as it came. A scalar value names no
   * column, so it is hashed whole when the table has a sensitive column called `value` (how comparisons name it).
   */
  row(table: string, value: unknown): unknown {
    const columns = this.columnsOf(table);
    if (!columns || value === null || value === undefined) return value;
    if (typeof value !== "object" || Array.isArray(value)) return columns.has("value") ? hashSensitiveValue(this.key, value) : value;
    let masked: Record<string, unknown> | null = null;
    for (const [column, item] of Object.entries(value as Record<string, unknown>)) {
      if (!columns.has(column.toLowerCase())) continue;
      const hashed = hashSensitiveValue(this.key, item);
      if (hashed === item) continue;
      masked ??= { ...(value as Record<string, unknown>) };
      masked[column] = hashed;
    }
    return masked ?? value;
  }
}
