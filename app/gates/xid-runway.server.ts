import { formatRunway } from "~/health/xid-forecast";
import { loadXidView } from "~/models/xid.server";
import type { Gate } from "./types";

/**
 * Blocks advances while the source is close to the vacuum failsafe: mid-crisis the migration must relieve the
 * source, not add dual-write work to it. A missing, failed or stale reading fails the gate too.
 */
export const xidRunwayGate: Gate = {
  id: "xid-runway",
  label: "Source XID runway",
  async check() {
    const view = await loadXidView();
    if (view.problem && (view.stale || !view.latest?.ok)) return { passed: false, reason: view.problem };
    if (!view.summary) return { passed: true, reason: view.problem ?? "No XID figures for the source." };
    const limit = view.thresholds.gateXidFailsafeHours;
    const worst = view.summary.worst;
    if (worst && worst.runwayHours !== null && worst.runwayHours < limit) {
      return { passed: false, reason: `${worst.sentence}; advances need at least ${formatRunway(limit)} of runway` };
    }
    return { passed: true, reason: worst ? `${worst.sentence} (gate: ${formatRunway(limit)})` : "No database is ageing." };
  },
};
