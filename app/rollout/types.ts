import type { Mode } from "./modes";

/**
 * The ruleset: everything needed to evaluate an assignment locally. Served as JSON by GET /api/v1/ruleset and
 * evaluated by app/rollout/evaluate.ts on the server, in the application-side client and in the simulator.
 */
export interface Ruleset {
  /** Monotonically increasing; bumped by every change to cohorts, pins or the emergency switch. */
  version: number;
  /** Mode for users no cohort covers (normally source_only). */
  defaultMode: Mode;
  /** Global emergency switch: when set, everyone (pins included) gets this mode. */
  emergency: { mode: Mode; reason: string; since: string } | null;
  /** Ordered by priority: the first cohort whose constraints match and whose percentage covers the bucket decides. */
  cohorts: CohortRule[];
  /** Per-user overrides for support cases. */
  pins: PinRule[];
}

export interface CohortRule {
  id: string;
  name: string;
  priority: number;
  mode: Mode;
  /** Rollout share in basis points: 0..10000 (0.01% steps). */
  percentBasisPoints: number;
  salt: string;
  constraints: CohortConstraints;
}

/** All given constraints must match (AND); within one constraint any listed value matches (OR). */
export interface CohortConstraints {
  regions?: string[];
  countries?: string[];
  schoolIds?: string[];
  plans?: string[];
  /** Explicit user ids (up to 100,000). */
  userIds?: string[];
}

export interface PinRule {
  userId: string;
  mode: Mode;
  reason: string;
  /** ISO timestamp; null = no expiry. */
  expiresAt: string | null;
}

/** User attributes the constraints look at; all optional. */
export interface UserAttributes {
  region?: string;
  country?: string;
  schoolId?: string;
  plan?: string;
}

export type AssignmentReason = "emergency" | "pin" | "cohort" | "default";

export interface Assignment {
  userId: string;
  mode: Mode;
  cohort: { id: string; name: string } | null;
  /** 0..9999, from the deciding cohort's salt (or the default salt when no cohort decided). */
  bucket: number;
  reason: AssignmentReason;
  /** Human-readable explanation, e.g. "cohort 'EU schools' (25.00%) covers bucket 1500". */
  explanation: string;
  rulesetVersion: number;
}
