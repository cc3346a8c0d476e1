import { describe, expect, it } from "vitest";
import { rankBlockers } from "./blocker-ranking";
import type { XidBlocker } from "./xid-snapshot";

const settings = {
  autovacuumFreezeMaxAge: 200_000_000,
  autovacuumMultixactFreezeMaxAge: 400_000_000,
  vacuumFailsafeAge: 1_600_000_000,
  vacuumMultixactFailsafeAge: 1_600_000_000,
};

function backend(pid: number, age: number, application: string | null): XidBlocker {
  return {
    kind: "backend",
    pid,
    database: "app",
    user: "u",
    application,
    state: "active",
    age,
    xid: null,
    xmin: "1",
    transactionStart: null,
    queryStart: null,
    query: "select 1",
  };
}

describe("rankBlockers", () => {
  it("folds young transactions, Cutover's own counted apart, and ranks the rest by the runway they cost", () => {
    const ranking = rankBlockers(
      [backend(1, 12, "cutover"), backend(2, 40, "psql"), backend(3, 900_000, "report"), backend(4, 5_000_000, "etl")],
      settings,
      100,
    );
    // Five minutes at 100 XIDs/s is 30,000 XIDs, less than 1% of 200 M: the rate decides.
    expect(ranking.meaningfulAge).toBe(30_000);
    expect(ranking.shown.map((r) => r.blocker.kind === "backend" && r.blocker.pid)).toEqual([4, 3]);
    expect(ranking.shown[0].runwayCostHours).toBeCloseTo(5_000_000 / 100 / 3600);
    expect(ranking.folded).toEqual({ count: 2, own: 1 });
  });

  it("labels Cutover's own session when it is old enough to list, and falls back to the age share without a rate", () => {
    const ranking = rankBlockers([backend(7, 3_000_000, "cutover-repair")], settings, null);
    expect(ranking.meaningfulAge).toBe(2_000_000);
    expect(ranking.shown[0]).toMatchObject({ own: true, runwayCostHours: null });
  });

  it("counts a session whose old xmin is only another listed transaction's, instead of listing it", () => {
    const holder: XidBlocker = { ...backend(10, 3_000_000, "psql"), xid: "500", xmin: "500", state: "idle in transaction" } as XidBlocker;
    const collector = { ...backend(11, 3_000_000, "cutover"), xmin: "500" } as XidBlocker;
    const ranking = rankBlockers([holder, collector], settings, 100);
    expect(ranking.shown.map((r) => r.blocker.kind === "backend" && r.blocker.pid)).toEqual([10]);
    expect(ranking.following).toEqual({ count: 1, own: 1 });
  });
});
