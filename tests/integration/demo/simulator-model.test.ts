import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { addSimulatorCounts, readSimulatorSwitch } from "../../../app/simulator/simulator-store";
import { createControlDatabase } from "../../support/control-db";
import type { ScratchDatabase } from "../../support/databases";

// The model runs on the app's control-DB singleton, configured from the environment on first use.
let control: ScratchDatabase;
let model: typeof import("../../../app/simulator/simulator.server");
let closeControlDb: () => Promise<void>;

describe("simulator model (dashboard side)", () => {
  beforeAll(async () => {
    control = await createControlDatabase("sim_model");
    Object.assign(process.env, {
      CUTOVER_DATABASE_URL: control.url,
      SOURCE_DATABASE_URL: control.url,
      TARGET_DATABASE_URL: control.url,
      SESSION_SECRET: "simulator-model-test-secret-0123456789",
    });
    model = await import("../../../app/simulator/simulator.server");
    ({ closeControlDb } = await import("../../../app/utils/db.server"));
  });
  afterAll(async () => {
    await closeControlDb?.();
    await control?.drop();
  });

  it("pauses the simulator, audits the change, and the simulator processes read the same switch", async () => {
    expect(await model.getSimulatorSettings()).toMatchObject({ status: "running", operationsPerSecond: 20, updatedBy: null });
    const actor = { type: "user" as const, id: "7", label: "engineer@demo.local" };
    const input = model.simulatorSettingsSchema.parse({ status: "paused", operationsPerSecond: "50" });
    const after = await model.updateSimulatorSettings(actor, input, "quiet demo");
    expect(after).toMatchObject({ status: "paused", operationsPerSecond: 50, updatedBy: "engineer@demo.local" });
    expect(await readSimulatorSwitch(control.sql)).toEqual({ status: "paused", operationsPerSecond: 50 });
    const [audit] = await control.sql`select action, entity_type, before, after, reason from audit_log order by id desc limit 1`;
    expect(audit).toMatchObject({
      action: "simulator.update",
      entity_type: "simulator",
      before: { status: "running", operationsPerSecond: 20 },
      after: { status: "paused", operationsPerSecond: 50 },
      reason: "quiet demo",
    });
  });

  it("rejects a rate outside 1..200 and an unknown status", () => {
    expect(model.simulatorSettingsSchema.safeParse({ status: "running", operationsPerSecond: "0" }).success).toBe(false);
    expect(model.simulatorSettingsSchema.safeParse({ status: "running", operationsPerSecond: "201" }).success).toBe(false);
    expect(model.simulatorSettingsSchema.safeParse({ status: "stopped", operationsPerSecond: "20" }).success).toBe(false);
  });

  it("returns the last hour per minute, oldest first, zeros where nothing ran", async () => {
    const now = new Date("2031-05-04T12:30:40Z");
    const counts = { writes: 10, mirroredWrites: 8, reads: 20, comparisons: 15, mismatchesFound: 1, divergencesInjected: 0, errors: 0 };
    await addSimulatorCounts(control.sql, new Date("2031-05-04T12:28:00Z"), counts);
    await addSimulatorCounts(control.sql, new Date("2031-05-04T12:30:00Z"), { ...counts, writes: 4 });
    // Older than an hour: not shown.
    await addSimulatorCounts(control.sql, new Date("2031-05-04T11:30:00Z"), counts);
    const minutes = await model.getSimulatorMinutes({ now });
    expect(minutes).toHaveLength(60);
    expect(minutes[0].minute).toBe("2031-05-04T11:31:00.000Z");
    expect(minutes[59]).toEqual({ minute: "2031-05-04T12:30:00.000Z", ...counts, writes: 4 });
    expect(minutes[57]).toEqual({ minute: "2031-05-04T12:28:00.000Z", ...counts });
    expect(minutes[58].writes).toBe(0);
    expect(minutes.reduce((sum, m) => sum + m.writes, 0)).toBe(14);
  });
});
