import { loadCapacityView } from "~/models/capacity.server";
import type { Gate } from "./types";

function percent(ratio: number): string {
  return `${(ratio * 100).toFixed(1)}%`;
}

/** Blocks advances (more traffic on the target) while any target store has less free space than the threshold. */
export const targetFreeSpaceGate: Gate = {
  id: "target-free-space",
  label: "Target free space",
  async check() {
    const view = await loadCapacityView("target");
    if (view.problem && (view.stale || !view.latest?.ok)) return { passed: false, reason: view.problem };
    if (!view.capacity) return { passed: false, reason: "No capacity figures for the target yet." };
    if (view.capacity.engine !== "cockroachdb") {
      return { passed: true, reason: "The target is not CockroachDB: no stores to check (demo or staging setup)." };
    }
    const minimum = view.thresholds.gateMinFreeRatio;
    const tightest = [...view.capacity.stores].sort((a, b) => a.availableRatio - b.availableRatio)[0];
    if (!tightest) return { passed: false, reason: "The target reported no stores." };
    const where = `store ${tightest.storeId} on node ${tightest.nodeId}`;
    if (tightest.availableRatio < minimum) {
      return { passed: false, reason: `${where} has ${percent(tightest.availableRatio)} free, under the ${percent(minimum)} threshold` };
    }
    return { passed: true, reason: `least free: ${where} at ${percent(tightest.availableRatio)} (threshold ${percent(minimum)})` };
  },
};
