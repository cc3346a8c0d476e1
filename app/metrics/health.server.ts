import type { MetricFamily } from "./prometheus";
import { loadCapacityView } from "~/models/capacity.server";
import { loadXidView } from "~/models/xid.server";

function gauge(name: string, help: string, samples: MetricFamily["samples"]): MetricFamily {
  return { name, help, type: "gauge", samples };
}

/** Hours as Prometheus wants them: +Inf when the limit is never reached at the current rate. */
function hours(value: number | null): number {
  return value === null ? Infinity : value;
}

/** Database health figures from the latest stored readings (no query reaches the source or target here). */
export async function healthMetrics(): Promise<MetricFamily[]> {
  const [xid, source, target] = await Promise.all([loadXidView(), loadCapacityView("source"), loadCapacityView("target")]);
  const families: MetricFamily[] = [];
  const now = Date.now();
  families.push(
    gauge("cutover_database_up", "1 if the latest health reading of the side succeeded", [
      { labels: { side: "source" }, value: source.latest?.ok ? 1 : 0 },
      { labels: { side: "target" }, value: target.latest?.ok ? 1 : 0 },
    ]),
    gauge(
      "cutover_health_reading_age_seconds",
      "Seconds since the latest health reading of the side",
      [source, target].filter((v) => v.latest).map((v) => ({ labels: { side: v.side }, value: (now - v.latest!.collectedAt.getTime()) / 1000 })),
    ),
  );
  if (xid.summary) {
    const rows = xid.summary.databases;
    families.push(
      gauge(
        "cutover_xid_age",
        "age(datfrozenxid) per database on the source",
        rows.map((d) => ({ labels: { database: d.name }, value: d.xidAge })),
      ),
      gauge(
        "cutover_mxid_age",
        "mxid_age(datminmxid) per database on the source",
        rows.map((d) => ({ labels: { database: d.name }, value: d.mxidAge })),
      ),
      gauge(
        "cutover_xid_hours_to_failsafe",
        "Hours until the database reaches vacuum_failsafe_age at the smoothed XID rate (+Inf: never)",
        (xid.xid?.settings.vacuumFailsafeAge !== null ? rows : []).map((d) => ({ labels: { database: d.name }, value: hours(d.forecast.hoursToFailsafe) })),
      ),
      gauge(
        "cutover_xid_hours_to_stop",
        "Hours until PostgreSQL stops assigning XIDs (age 2^31-1 minus 3M) at the smoothed XID rate (+Inf: never)",
        rows.map((d) => ({ labels: { database: d.name }, value: hours(d.forecast.hoursToStop) })),
      ),
      gauge("cutover_xid_rate_per_second", "Smoothed XID consumption rate of the source", xid.xidRate === null ? [] : [{ value: xid.xidRate }]),
    );
  }
  const stores = target.capacity?.engine === "cockroachdb" ? target.capacity : null;
  if (stores) {
    const labels = (s: { nodeId: number; storeId: number }) => ({ node: String(s.nodeId), store: String(s.storeId) });
    families.push(
      gauge(
        "cutover_store_free_ratio",
        "available/capacity per CockroachDB store",
        stores.stores.map((s) => ({ labels: labels(s), value: s.availableRatio })),
      ),
      gauge(
        "cutover_store_capacity_bytes",
        "Capacity per CockroachDB store",
        stores.stores.map((s) => ({ labels: labels(s), value: s.capacityBytes })),
      ),
      gauge(
        "cutover_store_available_bytes",
        "Available bytes per CockroachDB store",
        stores.stores.map((s) => ({ labels: labels(s), value: s.availableBytes })),
      ),
      gauge(
        "cutover_node_live",
        "1 if the CockroachDB node's liveness has not expired",
        stores.nodes.map((n) => ({ labels: { node: String(n.nodeId) }, value: n.live ? 1 : 0 })),
      ),
    );
  }
  const runway = [source, target].filter((v) => v.summary?.worst);
  if (runway.length) {
    families.push(
      gauge(
        "cutover_capacity_runway_days",
        "Days until the side's tightest store (or the PostgreSQL database) crosses its capacity threshold, by linear fit (+Inf: no decline, or no disk size set)",
        runway.map((v) => ({ labels: { side: v.side }, value: v.summary!.worst!.days ?? Infinity })),
      ),
    );
  }
  return families;
}
