import { compileRuleset, evaluate, type CompiledRuleset } from "./evaluate";
import { MODES, modeRank, type Mode } from "./modes";
import { classifyMove, summarize, type ChangeClassification } from "./change";
import type { Ruleset, UserAttributes } from "./types";

/**
 * Preview before saving: evaluate a sample of users (or all of them) under the current and the proposed ruleset
 * and count who moves from which mode to which, weighted by users and by write traffic (the users' own weights, or
 * a separate sample of writers). Estimates for the whole
 * population scale the sample by population / sample size. The emergency switch is ignored on both sides: the
 * preview is about the cohorts, which take effect again when the switch is cleared.
 */
export interface PreviewUser {
  id: string;
  attributes?: UserAttributes;
  /** Writes attributed to the user (e.g. over the last day); 1 when unknown. */
  writeWeight?: number;
}

export interface Transition {
  from: Mode;
  to: Mode;
  kind: "advance" | "skip" | "rollback";
  /** Estimated users in the whole population. */
  users: number;
  sampledUsers: number;
  /** Share of all write traffic that moves this way (0..1). */
  writeShare: number;
}

export interface ModeDistribution {
  mode: Mode;
  users: number;
  share: number;
}

export interface Preview {
  sampled: number;
  population: number;
  transitions: Transition[];
  movedUsers: number;
  movedShare: number;
  movedWriteShare: number;
  rollbackUsers: number;
  skipUsers: number;
  before: ModeDistribution[];
  after: ModeDistribution[];
  classification: ChangeClassification;
}

function withoutEmergency(ruleset: Ruleset): CompiledRuleset {
  return compileRuleset(ruleset.emergency === null ? ruleset : { ...ruleset, emergency: null });
}

export function previewChange(
  before: Ruleset,
  after: Ruleset,
  users: Iterable<PreviewUser>,
  options: { population?: number; nowMs?: number; writers?: Iterable<PreviewUser> } = {},
): Preview {
  const a = withoutEmergency(before);
  const b = withoutEmergency(after);
  const nowMs = options.nowMs ?? Date.now();
  const n = MODES.length;
  const counts = new Float64Array(n * n);
  const writes = new Float64Array(n * n);
  let sampled = 0;
  let totalWrites = 0;
  const cell = (user: PreviewUser) =>
    modeRank(evaluate(a, user.id, user.attributes, nowMs).mode) * n + modeRank(evaluate(b, user.id, user.attributes, nowMs).mode);
  const weigh = (user: PreviewUser, at: number) => {
    const weight = user.writeWeight ?? 1;
    writes[at] += weight;
    totalWrites += weight;
  };
  for (const user of users) {
    const at = cell(user);
    counts[at] += 1;
    if (!options.writers) weigh(user, at);
    sampled++;
  }
  // Write traffic measured apart from the users (e.g. a sample of activity rows grouped by their user).
  if (options.writers) for (const writer of options.writers) weigh(writer, cell(writer));
  const population = options.population ?? sampled;
  const scale = sampled === 0 ? 0 : population / sampled;
  const transitions: Transition[] = [];
  const beforeCounts = new Float64Array(n);
  const afterCounts = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let j = 0; j < n; j++) {
      const c = counts[i * n + j];
      beforeCounts[i] += c;
      afterCounts[j] += c;
      if (i === j || (c === 0 && writes[i * n + j] === 0)) continue;
      const kind = classifyMove(MODES[i], MODES[j]) as Transition["kind"];
      transitions.push({
        from: MODES[i],
        to: MODES[j],
        kind,
        users: Math.round(c * scale),
        sampledUsers: c,
        writeShare: totalWrites > 0 ? writes[i * n + j] / totalWrites : 0,
      });
    }
  }
  const sum = (kind?: Transition["kind"]) => transitions.filter((t) => kind === undefined || t.kind === kind).reduce((s, t) => s + t.users, 0);
  const distribution = (c: Float64Array): ModeDistribution[] =>
    MODES.map((mode, i) => ({ mode, users: Math.round(c[i] * scale), share: sampled === 0 ? 0 : c[i] / sampled }));
  const movedSampled = transitions.reduce((s, t) => s + t.sampledUsers, 0);
  return {
    sampled,
    population,
    transitions,
    movedUsers: sum(),
    movedShare: sampled === 0 ? 0 : movedSampled / sampled,
    movedWriteShare: transitions.reduce((s, t) => s + t.writeShare, 0),
    rollbackUsers: sum("rollback"),
    skipUsers: sum("skip"),
    before: distribution(beforeCounts),
    after: distribution(afterCounts),
    classification: summarize(transitions.map((t) => ({ group: "observed", from: t.from, to: t.to, kind: t.kind }))),
  };
}

/** Share of users on each rung under one ruleset (the ladder picture), from the same kind of sample. */
export function modeDistribution(ruleset: Ruleset, users: Iterable<PreviewUser>, nowMs: number = Date.now()): ModeDistribution[] {
  const compiled = compileRuleset(ruleset);
  const counts = new Array<number>(MODES.length).fill(0);
  let total = 0;
  for (const user of users) {
    counts[modeRank(evaluate(compiled, user.id, user.attributes, nowMs).mode)]++;
    total++;
  }
  return MODES.map((mode, i) => ({ mode, users: counts[i], share: total === 0 ? 0 : counts[i] / total }));
}
