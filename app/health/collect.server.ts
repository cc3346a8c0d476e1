import type postgres from "postgres";
import { collectCockroachCapacity, collectPostgresCapacity } from "./capacity-collector.server";
import type { CapacitySnapshot } from "./capacity-snapshot";
import { detectEngine, type DatabaseEngine } from "./engine.server";
import { collectXidSnapshot } from "./xid-collector.server";
import type { XidSnapshot } from "./xid-snapshot";

/** One monitored database's cycle: either its figures, or why they could not be read (shown as "down"). */
export type HealthReading =
  | { ok: true; collectedAt: number; engine: DatabaseEngine; xid: XidSnapshot | null; capacity: CapacitySnapshot }
  | { ok: false; collectedAt: number; error: string };

/**
 * Detects the engine, then reads only what that engine implements: XID figures on PostgreSQL, crdb_internal on
 * CockroachDB. Errors (server down, permission refused) become a reading, so one bad side never hides the other.
 */
export async function collectHealth(sql: postgres.Sql, options: { sizes?: boolean } = {}): Promise<HealthReading> {
  const collectedAt = Date.now();
  try {
    const engine = await detectEngine(sql);
    if (engine.engine === "cockroachdb") {
      return { ok: true, collectedAt, engine, xid: null, capacity: await collectCockroachCapacity(sql) };
    }
    const [xid, capacity] = await Promise.all([collectXidSnapshot(sql, { serverVersionNum: engine.versionNum }), collectPostgresCapacity(sql, options)]);
    return { ok: true, collectedAt, engine, xid, capacity };
  } catch (error) {
    return { ok: false, collectedAt, error: error instanceof Error ? error.message : String(error) };
  }
}
