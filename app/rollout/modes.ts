/**
 * The migration ladder. Order matters: a move to a later rung is an advance, to an earlier one a rollback.
 * Shared by the server, the application-side client and the simulator: import with relative paths only.
 */
export const MODES = ["source_only", "dual_write", "shadow_read", "target_primary", "target_only"] as const;
export type Mode = (typeof MODES)[number];

export const MODE_LABELS: Record<Mode, string> = {
  source_only: "Source only",
  dual_write: "Dual write",
  shadow_read: "Shadow read",
  target_primary: "Target primary",
  target_only: "Target only",
};

export const MODE_DESCRIPTIONS: Record<Mode, string> = {
  source_only: "PostgreSQL only.",
  dual_write: "Writes go to PostgreSQL and are mirrored to CockroachDB; reads from PostgreSQL.",
  shadow_read: "Dual write; reads from both, compared, PostgreSQL's answer served.",
  target_primary: "Dual write; CockroachDB's answer served, PostgreSQL still written so a rollback loses nothing.",
  target_only: "CockroachDB only.",
};

export function modeRank(mode: Mode): number {
  return MODES.indexOf(mode);
}

export function isMode(value: unknown): value is Mode {
  return typeof value === "string" && (MODES as readonly string[]).includes(value);
}

/** Which databases a mode writes to, in order, and which one serves reads. */
export function modePaths(mode: Mode): { writes: ("source" | "target")[]; serves: "source" | "target"; compares: boolean } {
  switch (mode) {
    case "source_only":
      return { writes: ["source"], serves: "source", compares: false };
    case "dual_write":
      return { writes: ["source", "target"], serves: "source", compares: false };
    case "shadow_read":
      return { writes: ["source", "target"], serves: "source", compares: true };
    case "target_primary":
      return { writes: ["target", "source"], serves: "target", compares: true };
    case "target_only":
      return { writes: ["target"], serves: "target", compares: false };
  }
}
