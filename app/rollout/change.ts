import { MODES, modeRank, type Mode } from "./modes";
import type { CohortConstraints } from "./types";

/**
 * Classifying a change before it is saved: an advance (every moving user goes up at most one rung) is an ordinary
 * edit; a rollback (anyone moves down the ladder) must say how many users move and be confirmed; a skip (anyone
 * moves up more than one rung, e.g. source_only straight to target_primary) needs an admin and an explicit reason.
 * Every change needs a reason. The server enforces this; the page uses it to ask the right questions.
 */

export type MoveKind = "same" | "advance" | "skip" | "rollback";
export type ChangeKind = "unchanged" | "advance" | "skip" | "rollback";

/** One rung up is an advance, more is a skip, any way down is a rollback. */
export function classifyMove(from: Mode, to: Mode): MoveKind {
  const delta = modeRank(to) - modeRank(from);
  if (delta === 0) return "same";
  if (delta < 0) return "rollback";
  return delta === 1 ? "advance" : "skip";
}

/** The rungs a move passes over without stopping (empty unless it skips). */
export function skippedRungs(from: Mode, to: Mode): Mode[] {
  const a = modeRank(from);
  const b = modeRank(to);
  return b - a > 1 ? MODES.slice(a + 1, b) : [];
}

/** The cohort fields a change classification looks at. */
export interface CohortShape {
  mode: Mode;
  percentBasisPoints: number;
  constraints: CohortConstraints;
}

export interface Movement {
  /** staying: covered before and after; entering: newly covered; leaving: no longer covered. */
  group: "staying" | "entering" | "leaving" | "observed";
  from: Mode;
  to: Mode;
  kind: MoveKind;
}

export interface ChangeClassification {
  kind: ChangeKind;
  movements: Movement[];
  /** Rollbacks are confirmed by the person making them, with the count of users who move. */
  requiresConfirmation: boolean;
  /** Skipping a rung needs the admin role and an explicit reason. */
  requiresAdmin: boolean;
  skipped: Mode[];
}

const CONSTRAINT_KEYS = ["regions", "countries", "schoolIds", "plans", "userIds"] as const;

/** Whether some user matches `after` but not `before` (wider) and/or `before` but not `after` (narrower). */
export function compareConstraints(before: CohortConstraints, after: CohortConstraints): { wider: boolean; narrower: boolean } {
  let wider = false;
  let narrower = false;
  for (const key of CONSTRAINT_KEYS) {
    const b = before[key]?.length ? new Set(before[key]) : null;
    const a = after[key]?.length ? new Set(after[key]) : null;
    if (b === null && a === null) continue;
    if (b === null)
      narrower = true; // a constraint was added
    else if (a === null)
      wider = true; // a constraint was removed
    else {
      for (const v of a) if (!b.has(v)) wider = true;
      for (const v of b) if (!a.has(v)) narrower = true;
    }
  }
  return { wider, narrower };
}

/**
 * Classifies an edit of one cohort from what it covers: users who stay move from the old mode to the new one;
 * users who enter (higher percentage — the ratchet keeps everyone already in — or wider constraints) come from
 * `entryMode`; users who leave (lower percentage, narrower constraints, deletion) fall back to `entryMode`.
 * `entryMode` is where uncovered users land: the default mode, or a lower-priority cohort's mode when the
 * caller knows it. null before = a new cohort, null after = a deleted one.
 */
export function classifyCohortChange(before: CohortShape | null, after: CohortShape | null, entryMode: Mode): ChangeClassification {
  const movements: Movement[] = [];
  const add = (group: Movement["group"], from: Mode, to: Mode) => {
    const kind = classifyMove(from, to);
    if (kind !== "same") movements.push({ group, from, to, kind });
  };
  const beforeCovers = before !== null && before.percentBasisPoints > 0;
  const afterCovers = after !== null && after.percentBasisPoints > 0;
  if (beforeCovers && afterCovers) {
    const { wider, narrower } = compareConstraints(before.constraints, after.constraints);
    add("staying", before.mode, after.mode);
    if (after.percentBasisPoints > before.percentBasisPoints || wider) add("entering", entryMode, after.mode);
    if (after.percentBasisPoints < before.percentBasisPoints || narrower) add("leaving", before.mode, entryMode);
  } else if (afterCovers) {
    add("entering", entryMode, after.mode);
  } else if (beforeCovers) {
    add("leaving", before.mode, entryMode);
  }
  return summarize(movements);
}

/** The change kind of observed moves (e.g. from a preview): the worst of them decides. */
export function summarize(movements: Movement[]): ChangeClassification {
  const rollback = movements.some((m) => m.kind === "rollback");
  const skipMoves = movements.filter((m) => m.kind === "skip");
  const skipped = [...new Set(skipMoves.flatMap((m) => skippedRungs(m.from, m.to)))].sort((a, b) => modeRank(a) - modeRank(b));
  const kind: ChangeKind = rollback ? "rollback" : skipMoves.length > 0 ? "skip" : movements.length > 0 ? "advance" : "unchanged";
  return { kind, movements, requiresConfirmation: rollback, requiresAdmin: skipMoves.length > 0, skipped };
}

/**
 * What a change needs from the person making it. Returns the problems (empty = allowed); the server checks this
 * on every save so that a hand-made POST cannot skip the confirmation or the admin requirement.
 */
export function changeRequirementProblems(classification: ChangeClassification, request: { reason: string; confirmed: boolean; isAdmin: boolean }): string[] {
  const problems: string[] = [];
  if (request.reason.trim().length === 0) problems.push("a reason is required for every change");
  if (classification.requiresConfirmation && !request.confirmed) problems.push("this is a rollback: confirm it to proceed");
  if (classification.requiresAdmin && !request.isAdmin) {
    problems.push(`skipping ${classification.skipped.join(", ")} needs the admin role`);
  }
  return problems;
}
