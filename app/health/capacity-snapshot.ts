/** What one capacity cycle reads, per engine (shapes shared by the collector, models and UI). */

export interface PostgresCapacity {
  engine: "postgresql";
  collectedAt: number;
  database: string;
  /** Null on cycles that skip the (costly) size reading. */
  databaseBytes: number | null;
  /** Largest tables; empty on cycles that skip sizes. */
  tables: { schema: string; table: string; totalBytes: number }[];
  connections: number;
  maxConnections: number;
  /** Slots only superusers may take; ordinary clients are refused when connections reach max minus these. */
  reservedConnections: number;
  /** Cumulative counters: rates come from the difference between two snapshots (counterRate). */
  commitsTotal: number;
  walBytesTotal: number;
  inRecovery: boolean;
}

export interface CockroachStore {
  nodeId: number;
  storeId: number;
  address: string | null;
  locality: string | null;
  capacityBytes: number;
  availableBytes: number;
  usedBytes: number;
  logicalBytes: number;
  ranges: number;
  leases: number;
  /** available / capacity: the figure CockroachDB's guidance is written in. */
  availableRatio: number;
}

export interface CockroachNode {
  nodeId: number;
  address: string | null;
  locality: string | null;
  live: boolean;
  /** Liveness expiration as epoch ms (parsed from the HLC text), null if the node has no liveness record. */
  livenessExpiresAt: number | null;
  draining: boolean;
  decommissioning: boolean;
  membership: string | null;
}

export interface CockroachCapacity {
  engine: "cockroachdb";
  collectedAt: number;
  nodes: CockroachNode[];
  stores: CockroachStore[];
}

export type CapacitySnapshot = PostgresCapacity | CockroachCapacity;

/** Per-second rate of a cumulative counter between two readings; null if it was reset or no time passed. */
export function counterRate(earlier: { at: number; value: number }, later: { at: number; value: number }): number | null {
  const dt = (later.at - earlier.at) / 1000;
  const dv = later.value - earlier.value;
  if (dt <= 0 || dv < 0) return null;
  return dv / dt;
}

/** CockroachDB prints HLC timestamps as "<unix seconds>.<nanoseconds>,<logical>"; returns epoch ms. */
export function parseHlcTimestamp(text: string): number | null {
  const match = /^(\d+)(?:\.(\d{1,9}))?,\d+$/.exec(text.trim());
  if (!match) return null;
  const nanos = (match[2] ?? "0").padEnd(9, "0");
  return Number(match[1]) * 1000 + Math.floor(Number(nanos) / 1e6);
}
