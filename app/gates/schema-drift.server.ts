import { humanDuration } from "~/format/time";
import { cohortTables } from "~/models/backfill-cohort.server";
import { latestSchemaParity, SCHEMA_PARITY_STALE_MS } from "~/models/schema-parity.server";
import { modeRank } from "../rollout/modes";
import type { Gate } from "./types";

/**
 * A cohort that writes to the target (dual_write on) cannot move forward while a table it writes (its users'
 * tables: the population table and every table referencing it) has breaking drift: its mirrored writes there
 * would fail. Reads the collector's latest comparison; a failed or stale one closes the gate.
 */
export const schemaDriftGate: Gate = {
  id: "schema-drift",
  label: "Schema parity",
  async check(context) {
    const forward = modeRank(context.toMode) > modeRank(context.fromMode) || context.toBasisPoints > context.fromBasisPoints;
    if (!forward) return { passed: true, reason: "not a move forward" };
    if (modeRank(context.toMode) < modeRank("dual_write")) return { passed: true, reason: `${context.toMode} does not write to the target` };
    const latest = await latestSchemaParity();
    // Before the collector's first run (no worker yet) there is nothing to hold the cohort back on.
    if (!latest) return { passed: true, reason: "schema parity not collected yet" };
    if (!latest.ok) return { passed: false, reason: latest.error ?? "the latest schema comparison failed" };
    const age = Date.now() - latest.collectedAt.getTime();
    if (age > SCHEMA_PARITY_STALE_MS) return { passed: false, reason: `the latest schema comparison is ${humanDuration(age / 1000)} old` };
    const written = new Set((await cohortTables()).map((t) => `${t.schemaName}.${t.tableName}`));
    const blocking = latest.drift.filter((d) => d.breaking && written.has(d.table));
    if (blocking.length === 0) return { passed: true, reason: `no breaking drift in the ${written.size} tables the cohort writes` };
    const tables = [...new Set(blocking.map((d) => d.table))];
    return {
      passed: false,
      reason: `breaking schema drift in ${tables.join(", ")}: ${blocking
        .slice(0, 3)
        .map((d) => d.detail)
        .join("; ")}${blocking.length > 3 ? ` (+${blocking.length - 3} more)` : ""}`,
    };
  },
};
