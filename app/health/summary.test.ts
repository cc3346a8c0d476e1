import { describe, expect, it } from "vitest";
import type { CockroachCapacity } from "./capacity-snapshot";
import { seriesPointsOf } from "./series";
import { summarizeCapacity, summarizeXid } from "./summary";
import { DEFAULT_HEALTH_THRESHOLDS, parseStoredThresholds } from "./thresholds";
import { DEFAULT_FREEZE_SETTINGS } from "./xid-limits";
import type { XidSnapshot } from "./xid-snapshot";

const GiB = 2 ** 30;
const DAY = 86_400_000;

const xid: XidSnapshot = {
  collectedAt: 0,
  nextXid: 5_000_000_000,
  databases: [
    { database: "app", xidAge: 1_350_000_000, mxidAge: 10, allowsConnections: true },
    { database: "postgres", xidAge: 100_000_000, mxidAge: 1_450_000_000, allowsConnections: true },
  ],
  tables: [{ schema: "public", table: "annotations", xidAge: 1_350_000_000, mxidAge: 5, toastIsOlder: true }],
  blockers: [],
  settings: DEFAULT_FREEZE_SETTINGS,
  vacuums: [],
};

describe("XID summary", () => {
  it("picks the database nearest the failsafe and rates XID and multixact ages", () => {
    const summary = summarizeXid(xid, 1_000_000_000 / 86_400, DEFAULT_HEALTH_THRESHOLDS);
    expect(summary.worst?.name).toBe("app");
    expect(summary.worst?.runwayHours).toBeCloseTo(0.25 * 24, 6);
    expect(summary.databases.map((d) => d.status)).toEqual(["warning", "critical"]);
    expect(summary.status).toBe("critical");
    expect(summary.tables[0].sentence).toBe("at today's rate, public.annotations reaches the failsafe in 6 h");
  });

  it("uses the stop limit as the runway on PostgreSQL 13 (no failsafe)", () => {
    const summary = summarizeXid({ ...xid, settings: { ...DEFAULT_FREEZE_SETTINGS, vacuumFailsafeAge: null } }, 10_000, DEFAULT_HEALTH_THRESHOLDS);
    expect(summary.worst?.runwayHours).toBeCloseTo((2_144_483_647 - 1_350_000_000) / 10_000 / 3600, 6);
  });
});

describe("capacity summary", () => {
  const capacity: CockroachCapacity = {
    engine: "cockroachdb",
    collectedAt: 0,
    nodes: [
      { nodeId: 1, address: null, locality: null, live: true, livenessExpiresAt: 1, draining: false, decommissioning: false, membership: "active" },
      { nodeId: 2, address: null, locality: null, live: false, livenessExpiresAt: 1, draining: false, decommissioning: false, membership: "active" },
    ],
    stores: [
      {
        nodeId: 1,
        storeId: 1,
        address: null,
        locality: null,
        capacityBytes: 500 * GiB,
        availableBytes: 300 * GiB,
        usedBytes: 200 * GiB,
        logicalBytes: 1,
        ranges: 1,
        leases: 1,
        availableRatio: 0.6,
      },
      {
        nodeId: 2,
        storeId: 2,
        address: null,
        locality: null,
        capacityBytes: 500 * GiB,
        availableBytes: 100 * GiB,
        usedBytes: 400 * GiB,
        logicalBytes: 1,
        ranges: 1,
        leases: 1,
        availableRatio: 0.2,
      },
    ],
  };

  it("fits each store's free space and reports the shortest runway and dead nodes", () => {
    const now = Date.UTC(2026, 10, 26);
    // Store 1 loses 10 GiB a day: 300 -> 150 GiB (30%) in 15 days. Store 2 is already under 30%.
    const falling = Array.from({ length: 7 }, (_, d) => ({ at: now - (6 - d) * DAY, value: (360 - 10 * d) * GiB }));
    const flat = Array.from({ length: 7 }, (_, d) => ({ at: now - (6 - d) * DAY, value: 100 * GiB }));
    const summary = summarizeCapacity(
      capacity,
      {
        storeAvailable: new Map([
          ["1", falling],
          ["2", flat],
        ]),
      },
      DEFAULT_HEALTH_THRESHOLDS,
    );
    expect(summary.stores[0].daysToWarning).toBeCloseTo(15, 6);
    expect(summary.stores[1].daysToWarning).toBe(0);
    expect(summary.stores[1].status).toBe("warning");
    expect(summary.worst).toEqual({ subject: "store 2 (node 2)", days: 0, unknown: null });
    expect(summary.deadNodes).toEqual([2]);
    expect(summary.status).toBe("critical");
  });

  it("turns a reading into series points per store", () => {
    const points = seriesPointsOf(null, capacity);
    expect(points.filter((p) => p.metric === "store_available_bytes").map((p) => p.subject)).toEqual(["1", "2"]);
    expect(points.find((p) => p.metric === "nodes_live")?.value).toBe(1);
  });
});

describe("thresholds", () => {
  it("fills defaults and falls back to them when a stored value is invalid", () => {
    expect(parseStoredThresholds(undefined)).toEqual(DEFAULT_HEALTH_THRESHOLDS);
    expect(parseStoredThresholds({ gateXidFailsafeHours: 24 }).gateXidFailsafeHours).toBe(24);
    expect(parseStoredThresholds({ xidAgeWarning: 1.5e9, xidAgeCritical: 1.4e9 })).toEqual(DEFAULT_HEALTH_THRESHOLDS);
  });
});
