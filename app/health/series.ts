import type { CapacitySnapshot } from "./capacity-snapshot";
import type { XidSnapshot } from "./xid-snapshot";

/** The figures kept as time series, by name: what charts, runways and rates are computed from. */
export const HEALTH_METRICS = {
  xidAge: "xid_age", // subject: database
  mxidAge: "mxid_age", // subject: database
  nextXid: "next_xid",
  databaseBytes: "database_bytes", // subject: database
  tableBytes: "table_bytes", // subject: schema.table
  connections: "connections",
  commits: "commits_total",
  walBytes: "wal_bytes_total",
  storeCapacity: "store_capacity_bytes", // subject: store id
  storeAvailable: "store_available_bytes",
  storeUsed: "store_used_bytes",
  storeLogical: "store_logical_bytes",
  storeRanges: "store_ranges",
  storeLeases: "store_leases",
  nodesLive: "nodes_live",
} as const;

export interface SeriesPointRow {
  metric: string;
  subject: string;
  value: number;
}

/** Flattens one reading into series points; sizes appear only on cycles that read them. */
export function seriesPointsOf(xid: XidSnapshot | null, capacity: CapacitySnapshot): SeriesPointRow[] {
  const m = HEALTH_METRICS;
  const points: SeriesPointRow[] = [];
  if (xid) {
    points.push({ metric: m.nextXid, subject: "", value: xid.nextXid });
    for (const d of xid.databases) {
      points.push({ metric: m.xidAge, subject: d.database, value: d.xidAge });
      points.push({ metric: m.mxidAge, subject: d.database, value: d.mxidAge });
    }
  }
  if (capacity.engine === "postgresql") {
    points.push({ metric: m.connections, subject: "", value: capacity.connections });
    points.push({ metric: m.commits, subject: "", value: capacity.commitsTotal });
    points.push({ metric: m.walBytes, subject: "", value: capacity.walBytesTotal });
    if (capacity.databaseBytes !== null) points.push({ metric: m.databaseBytes, subject: capacity.database, value: capacity.databaseBytes });
    for (const t of capacity.tables) points.push({ metric: m.tableBytes, subject: `${t.schema}.${t.table}`, value: t.totalBytes });
  } else {
    for (const s of capacity.stores) {
      const subject = String(s.storeId);
      points.push({ metric: m.storeCapacity, subject, value: s.capacityBytes });
      points.push({ metric: m.storeAvailable, subject, value: s.availableBytes });
      points.push({ metric: m.storeUsed, subject, value: s.usedBytes });
      points.push({ metric: m.storeLogical, subject, value: s.logicalBytes });
      points.push({ metric: m.storeRanges, subject, value: s.ranges });
      points.push({ metric: m.storeLeases, subject, value: s.leases });
    }
    points.push({ metric: m.nodesLive, subject: "", value: capacity.nodes.filter((n) => n.live).length });
  }
  return points;
}
