import { describe, expect, it } from "vitest";
import { scheduledRampMoves } from "./plan";

const HOUR = 3_600_000;
const now = Date.UTC(2026, 0, 1);

describe("the scheduled ramps in the planner", () => {
  it("takes a target_only cohort's writes off the source step by step, and leaves other modes' ramps out", () => {
    const ramp = { steps: [1_000, 5_000, 10_000], everyHours: 6, clockAtMs: now - 2 * HOUR };
    const moves = scheduledRampMoves(
      [
        { id: "eu", name: "EU", mode: "target_only", basisPoints: 1_000, writeShareFull: 0.4, ramp },
        { id: "us", name: "US", mode: "dual_write", basisPoints: 1_000, writeShareFull: 0.5, ramp },
      ],
      now,
    );
    expect(moves.map((m) => ({ ...m, atMs: (m.atMs - now) / HOUR, writeShare: Number(m.writeShare.toFixed(6)) }))).toEqual([
      { cohortId: "eu", name: "EU", atMs: 4, writeShare: 0.16 },
      { cohortId: "eu", name: "EU", atMs: 10, writeShare: 0.2 },
    ]);
  });

  it("counts a step that is already due (a gate held it) from now", () => {
    const ramp = { steps: [5_000], everyHours: 6, clockAtMs: now - 9 * HOUR };
    const [move] = scheduledRampMoves([{ id: "eu", name: "EU", mode: "target_only", basisPoints: 1_000, writeShareFull: 1, ramp }], now);
    expect(move.atMs).toBe(now);
    expect(move.writeShare).toBeCloseTo(0.4);
  });
});
