import type { XidBlocker } from "./xid-snapshot";
import type { FreezeSettings } from "./xid-limits";

/** Cutover's own connections (web, worker, collector, LISTEN, repairs, demo traffic) all name themselves so. */
export function isCutoverSession(blocker: XidBlocker): boolean {
  return blocker.kind === "backend" && (blocker.application ?? "").startsWith("cutover");
}

export interface RankedBlocker<B extends XidBlocker = XidBlocker> {
  blocker: B;
  own: boolean;
  /** Hours of XIDs at the current rate that vacuum cannot freeze past while it lasts: the runway it costs. */
  runwayCostHours: number | null;
}

export interface BlockerRanking<B extends XidBlocker = XidBlocker> {
  /** Blockers old enough to matter, the costliest first. */
  shown: RankedBlocker<B>[];
  /** Younger ones, folded: a transaction a few seconds old holds nothing back that the next vacuum would freeze. */
  folded: { count: number; own: number };
  /**
   * Sessions whose horizon is only a consequence of a listed one: a snapshot's xmin is the oldest transaction
   * running when it was taken, so a short query started while an old transaction is open shows that
   * transaction's age. Ending the listed one frees them too; they are counted, not listed.
   */
  following: { count: number; own: number };
  /** The age from which a blocker is listed. */
  meaningfulAge: number;
}

/**
 * A blocker matters once it pins 1% of the forced-autovacuum age, or five minutes of XIDs at the current rate:
 * younger ones are ordinary queries and Cutover's own probes, gone before any vacuum could have used their horizon.
 */
const SHARE_OF_FREEZE_MAX_AGE = 0.01;
const MEANINGFUL_SECONDS = 300;

export function meaningfulBlockerAge(settings: FreezeSettings, xidRatePerSecond: number | null): number {
  const byAge = settings.autovacuumFreezeMaxAge * SHARE_OF_FREEZE_MAX_AGE;
  const byRate = xidRatePerSecond && xidRatePerSecond > 0 ? xidRatePerSecond * MEANINGFUL_SECONDS : Infinity;
  return Math.max(1, Math.min(byAge, byRate));
}

/**
 * What holds the freezing horizon back, ranked by the runway each costs (its age in hours of XIDs); ones younger
 * than a meaningful age are folded into a count, Cutover's own sessions labelled as such.
 */
export function rankBlockers<B extends XidBlocker>(blockers: B[], settings: FreezeSettings, xidRatePerSecond: number | null): BlockerRanking<B> {
  const meaningfulAge = meaningfulBlockerAge(settings, xidRatePerSecond);
  const ranked = blockers.map((blocker) => ({
    blocker,
    own: isCutoverSession(blocker),
    runwayCostHours: xidRatePerSecond && xidRatePerSecond > 0 ? blocker.age / xidRatePerSecond / 3600 : null,
  }));
  const heldXids = new Set(blockers.flatMap((b) => ((b.kind === "backend" || b.kind === "prepared_transaction") && b.xid ? [b.xid] : [])));
  const follows = (b: XidBlocker) => b.kind === "backend" && b.xid === null && b.xmin !== null && heldXids.has(b.xmin);
  const old = ranked.filter((r) => r.blocker.age >= meaningfulAge);
  const shown = old.filter((r) => !follows(r.blocker)).sort((a, b) => b.blocker.age - a.blocker.age);
  const following = old.filter((r) => follows(r.blocker));
  const young = ranked.filter((r) => r.blocker.age < meaningfulAge);
  return {
    shown,
    folded: { count: young.length, own: young.filter((r) => r.own).length },
    following: { count: following.length, own: following.filter((r) => r.own).length },
    meaningfulAge,
  };
}
