/**
 * The race against wraparound: how the source's XID age and disk use grow as write traffic leaves it. Only
 * target_only stops writing to the source (dual_write, shadow_read and target_primary still write there), so the
 * source's XID rate scales with the share of write traffic not yet on target_only. Measured figures only: the
 * rate is the counter's average over the measuring window, and no freezing VACUUM is assumed to finish (the
 * case the planner is for: vacuum no longer keeps up).
 */

export interface RunwayBasis {
  nowMs: number;
  /** The oldest database's age(datfrozenxid) now. */
  xidAge: number;
  /** XIDs per second averaged over the window (next-XID counter difference / time). */
  xidRatePerSecond: number;
  rateWindowHours: number;
  failsafeAge: number;
  sizeBytes: number | null;
  sizeGrowthBytesPerDay: number | null;
  /** How long the size growth was measured over (sizes are read every 5 minutes); null without two sizes. */
  sizeWindowHours?: number | null;
  /** Share (0..1) of write traffic already on target_only. */
  targetOnlyShareNow: number;
}

/** A cohort's move to target_only: from `atMs` on, `writeShare` of all writes no longer reach the source. */
export interface TargetOnlyMove {
  cohortId: string;
  name: string;
  atMs: number;
  writeShare: number;
}

export interface ProjectionPoint {
  atMs: number;
  xidAge: number;
  sizeBytes: number | null;
  sourceWriteShare: number;
}

const DAY_MS = 86_400_000;

/** Share of writes still reaching the source at `atMs`. */
export function sourceWriteShare(basis: RunwayBasis, moves: TargetOnlyMove[], atMs: number): number {
  const moved = moves.filter((m) => m.atMs <= atMs).reduce((sum, m) => sum + m.writeShare, 0);
  return Math.max(0, Math.min(1, 1 - basis.targetOnlyShareNow - moved));
}

/** The rate scaled from what was measured (at today's share) to the share still on the source. */
function scale(basis: RunwayBasis, share: number): number {
  const now = 1 - basis.targetOnlyShareNow;
  return now <= 0 ? 0 : share / now;
}

/** The breakpoints where the rate changes, in order, from now to the horizon. */
function segments(basis: RunwayBasis, moves: TargetOnlyMove[], horizonMs: number): { from: number; to: number; factor: number }[] {
  const cuts = [...new Set([basis.nowMs, ...moves.map((m) => m.atMs).filter((t) => t > basis.nowMs && t < horizonMs), horizonMs])].sort((a, b) => a - b);
  return cuts.slice(0, -1).map((from, i) => ({ from, to: cuts[i + 1], factor: scale(basis, sourceWriteShare(basis, moves, from)) }));
}

/** XID age and size at daily (or `stepMs`) points up to `horizonDays`. */
export function projectSource(basis: RunwayBasis, moves: TargetOnlyMove[], horizonDays: number, stepMs = DAY_MS / 4): ProjectionPoint[] {
  const horizon = basis.nowMs + horizonDays * DAY_MS;
  const segs = segments(basis, moves, horizon);
  const points: ProjectionPoint[] = [];
  let age = basis.xidAge;
  let size = basis.sizeBytes;
  let t = basis.nowMs;
  let s = 0;
  for (let at = basis.nowMs; at <= horizon; at += stepMs) {
    while (t < at) {
      while (segs[s] && segs[s].to <= t) s++;
      const seg = segs[s];
      const until = Math.min(at, seg.to);
      const seconds = (until - t) / 1000;
      age += basis.xidRatePerSecond * seg.factor * seconds;
      if (size !== null && basis.sizeGrowthBytesPerDay !== null) size += (basis.sizeGrowthBytesPerDay * seg.factor * seconds) / 86_400;
      t = until;
    }
    points.push({
      atMs: at,
      xidAge: Math.round(age),
      sizeBytes: size === null ? null : Math.round(size),
      sourceWriteShare: sourceWriteShare(basis, moves, at),
    });
  }
  return points;
}

/** When the age reaches `limit` under these moves (within `horizonDays`, which may be Infinity), or null. */
export function crossingMs(basis: RunwayBasis, moves: TargetOnlyMove[], limit: number, horizonDays = 3650): number | null {
  if (basis.xidAge >= limit) return basis.nowMs;
  let age = basis.xidAge;
  for (const seg of segments(basis, moves, basis.nowMs + horizonDays * DAY_MS)) {
    const rate = basis.xidRatePerSecond * seg.factor;
    const reach = rate > 0 ? seg.from + ((limit - age) / rate) * 1000 : Infinity;
    if (rate > 0 && reach <= seg.to) return reach;
    age += (rate * (seg.to - seg.from)) / 1000;
  }
  return null;
}

export type ShareDeadline =
  | { kind: "already"; share: number }
  /** The latest moment `share` of writes can reach target_only and keep the age below the limit until the horizon. */
  | { kind: "by"; atMs: number }
  /** At today's rate the age stays below the limit until the horizon even if nothing moves. */
  | { kind: "not_needed"; untilMs: number }
  /** Even moving it now is not enough before the horizon. */
  | { kind: "too_late"; crossingMs: number | null };

/**
 * The date by which `share` (0..1) of all write traffic must be on target_only so the age stays below `limit`
 * until `horizonMs`: before it the source burns XIDs at today's rate, after it at (1 - share) of all writes.
 */
export function deadlineForShare(basis: RunwayBasis, share: number, limit: number, horizonMs: number): ShareDeadline {
  if (basis.targetOnlyShareNow >= share) return { kind: "already", share: basis.targetOnlyShareNow };
  const r0 = basis.xidRatePerSecond;
  const r1 = r0 * scale(basis, 1 - share);
  const seconds = (limit - basis.xidAge - (r1 * (horizonMs - basis.nowMs)) / 1000) / (r0 - r1);
  if (!(seconds >= 0)) {
    const after = crossingMs(basis, [{ cohortId: "", name: "", atMs: basis.nowMs, writeShare: share - basis.targetOnlyShareNow }], limit);
    return { kind: "too_late", crossingMs: after };
  }
  const atMs = basis.nowMs + seconds * 1000;
  return atMs >= horizonMs ? { kind: "not_needed", untilMs: horizonMs } : { kind: "by", atMs };
}
