import { describe, expect, it } from "vitest";
import { ageStatus, freeRatioStatus, runwayStatus, validAgeThresholds, validFreeRatioThresholds, worstStatus } from "./status";

describe("health statuses", () => {
  it("rates XID ages with check_postgres's defaults and with user thresholds", () => {
    expect(ageStatus(1_299_999_999)).toBe("ok");
    expect(ageStatus(1_300_000_000)).toBe("warning");
    expect(ageStatus(1_400_000_000)).toBe("critical");
    expect(ageStatus(600_000_000, { warning: 500_000_000, critical: 900_000_000 })).toBe("warning");
  });

  it("rates free space after CockroachDB's guidance (warn < 30% available, critical < 10%)", () => {
    expect(freeRatioStatus(0.3)).toBe("ok");
    expect(freeRatioStatus(0.29)).toBe("warning");
    expect(freeRatioStatus(0.099)).toBe("critical");
    expect(freeRatioStatus(0.45, { warning: 0.5, critical: 0.2 })).toBe("warning");
  });

  it("rates runways and picks the worst", () => {
    const t = { warningHours: 72, criticalHours: 24 };
    expect(runwayStatus(null, t)).toBe("ok");
    expect(runwayStatus(71, t)).toBe("warning");
    expect(runwayStatus(3, t)).toBe("critical");
    expect(worstStatus(["ok", "critical", "warning"])).toBe("critical");
    expect(worstStatus(["warning", "down"])).toBe("down");
    expect(worstStatus([])).toBe("ok");
  });

  it("accepts only ordered thresholds from users", () => {
    expect(validAgeThresholds({ warning: 1.3e9, critical: 1.4e9 })).toBe(true);
    expect(validAgeThresholds({ warning: 1.5e9, critical: 1.4e9 })).toBe(false);
    expect(validAgeThresholds({ warning: 1.3e9, critical: 3e9 })).toBe(false);
    expect(validFreeRatioThresholds({ warning: 0.3, critical: 0.1 })).toBe(true);
    expect(validFreeRatioThresholds({ warning: 0.1, critical: 0.3 })).toBe(false);
  });
});
