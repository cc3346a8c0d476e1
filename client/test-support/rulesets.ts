import type { Mode } from "../../app/rollout/modes";
import type { Ruleset } from "../../app/rollout/types";

/** A ruleset pinning one user per mode ("user-dual_write" -> dual_write, ...) plus an EU cohort. */
export function testRuleset(version: number, overrides: Partial<Ruleset> = {}): Ruleset {
  const modes: Mode[] = ["source_only", "dual_write", "shadow_read", "target_primary", "target_only"];
  return {
    version,
    defaultMode: "source_only",
    emergency: null,
    cohorts: [
      {
        id: "cohort-eu",
        name: "EU schools",
        priority: 1,
        mode: "shadow_read",
        percentBasisPoints: 10_000,
        salt: "eu",
        constraints: { regions: ["eu"] },
      },
    ],
    pins: modes.map((mode) => ({ userId: `user-${mode}`, mode, reason: "test", expiresAt: null })),
    ...overrides,
  };
}
