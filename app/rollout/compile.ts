import { DEFAULT_SALT, loadKey, saltSeed } from "./bucket";
import type { Mode } from "./modes";
import { formatBasisPoints } from "./percent";
import type { CohortConstraints, CohortRule, Ruleset, UserAttributes } from "./types";

/*
 * Compiling a ruleset for evaluate(): salt seeds, constraint sets and their filters, the pin map and the cohort
 * order, computed once per ruleset so that each evaluation only hashes and looks up.
 */

export interface CompiledCohort {
  readonly id: string;
  readonly name: string;
  readonly priority: number;
  readonly mode: Mode;
  readonly percentBasisPoints: number;
  readonly seed: number;
  readonly regions: ReadonlySet<string> | null;
  readonly countries: ReadonlySet<string> | null;
  readonly schoolIds: ReadonlySet<string> | null;
  readonly plans: ReadonlySet<string> | null;
  readonly userIds: ReadonlySet<string> | null;
  /** Shared by every assignment this cohort decides, so evaluation allocates no cohort object. */
  readonly ref: { readonly id: string; readonly name: string };
  readonly label: string;
}

export interface CompiledPin {
  readonly mode: Mode;
  readonly reason: string;
  /** Epoch ms; Infinity = no expiry. */
  readonly expiresAtMs: number;
  readonly expiresAt: string | null;
}

export interface CompiledRuleset {
  readonly version: number;
  readonly defaultMode: Mode;
  readonly defaultSeed: number;
  readonly emergency: Ruleset["emergency"];
  readonly emergencyExplanation: string;
  readonly defaultExplanation: string;
  readonly cohorts: readonly CompiledCohort[];
  readonly pins: ReadonlyMap<string, CompiledPin>;
  /**
   * Bit (default-salt hash mod the filter size) is set for every pinned user: most users have no pin, and that hash
   * (needed anyway for the default bucket) answers so for them without a Map lookup.
   */
  readonly pinFilter: Int32Array;
  readonly index: CohortIndex;
  readonly ruleset: Ruleset;
}

/**
 * Cohort candidates as bit masks (bit i = cohorts[i], 32 cohorts a word): per attribute, value -> the cohorts that
 * value satisfies (those without a constraint on the attribute included). An evaluation ANDs one mask per
 * constrained attribute instead of probing every cohort's sets; explicit user-id lists stay per-cohort sets
 * because a mask per listed id would cost megabytes.
 */
export interface CohortIndex {
  readonly words: number;
  /** Cohorts with a non-zero percentage. */
  readonly active: Int32Array;
  readonly attributes: readonly AttributeIndex[];
  /** Cohorts carrying a user-id list. */
  readonly withUserIds: Int32Array;
  /**
   * Per cohort with a user-id list: a filter over the default-salt hashes of its ids, so a user who is not listed
   * (nearly everyone) is told so without probing a set of up to 100,000 strings, which misses the cache.
   */
  readonly userIdFilters: readonly (Int32Array | null)[];
  /** One slot per attribute index, reused by every evaluation (evaluation is synchronous). */
  readonly scratchMasks: Int32Array[];
  /** Per cohort (by evaluation order): its salt seed and percentage, read without touching the cohort object. */
  readonly seeds: Int32Array;
  readonly percents: Int32Array;
  /** The buckets of up to four candidates hashed at once (loadedBuckets4). */
  readonly laneBuckets: Int32Array;
}

export interface AttributeIndex {
  readonly key: keyof UserAttributes;
  /**
   * Few listed values (regions, plans, a handful of countries): compared one by one, which is several times
   * cheaper than a Map lookup of a string; `values[i]` selects `valueMasks[i]`.
   */
  readonly values: readonly string[] | null;
  readonly valueMasks: readonly Int32Array[];
  /** Many listed values (school ids): value -> mask. */
  readonly byValue: ReadonlyMap<string, Int32Array> | null;
  /**
   * A Bloom-style filter in front of byValue: bit (valueFilterHash(value) mod the filter size) is set for every listed value, so
   * most users, whose value no cohort lists, skip the Map lookup (several times the cost of hashing the value).
   */
  readonly filter: Int32Array | null;
  /** Cohorts without a constraint on this attribute: all a user matches when the value is missing or unlisted. */
  readonly unconstrained: Int32Array;
}

/** Up to this many distinct values, a linear scan beats a Map lookup (measured with bench:rollout-evaluate). */
const LINEAR_LOOKUP_MAX = 8;
/**
 * Filters have 16 bits per key, rounded up to a power of two, at least 2^16 (8 KiB: 1.5% false positives with 1,000
 * keys) and at most 2^22 (512 KiB); 100,000 listed user ids get 2^21 bits, about 5% false positives.
 */
const MIN_FILTER_BITS = 1 << 16;
const MAX_FILTER_BITS = 1 << 22;

/**
 * The attribute-value filter's hash: FNV-1a over the length and the last four UTF-16 code units, only ever
 * compared with itself. Values tell apart by their ends (school-4711, numbers, uuids); reading every character
 * cost a typical evaluation a tenth. Values that differ only further in share a bit, which is never wrong (the
 * Map decides), only slower.
 */
export function valueFilterHash(text: string): number {
  const n = text.length;
  let h = Math.imul(0x811c9dc5 ^ n, 0x01000193);
  for (let i = n > 4 ? n - 4 : 0; i < n; i++) h = Math.imul(h ^ text.charCodeAt(i), 0x01000193);
  return h ^ (h >>> 16);
}

function toSet(values: string[] | undefined): ReadonlySet<string> | null {
  return values && values.length > 0 ? new Set(values) : null;
}

/** Orders cohorts as evaluation visits them: ascending priority, ties broken by id so the order is total. */
export function compareCohorts(a: Pick<CohortRule, "priority" | "id">, b: Pick<CohortRule, "priority" | "id">): number {
  return a.priority - b.priority || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0);
}

export function compileCohort(cohort: CohortRule): CompiledCohort {
  const constraints: CohortConstraints = cohort.constraints ?? {};
  return {
    id: cohort.id,
    name: cohort.name,
    priority: cohort.priority,
    mode: cohort.mode,
    percentBasisPoints: cohort.percentBasisPoints,
    seed: saltSeed(cohort.salt),
    regions: toSet(constraints.regions),
    countries: toSet(constraints.countries),
    schoolIds: toSet(constraints.schoolIds),
    plans: toSet(constraints.plans),
    userIds: toSet(constraints.userIds),
    ref: Object.freeze({ id: cohort.id, name: cohort.name }),
    label: `cohort '${cohort.name}' (${formatBasisPoints(cohort.percentBasisPoints)})`,
  };
}

/** Precomputes everything evaluate() needs: salt seeds, constraint sets, the pin map, the cohort order. */
export function compileRuleset(ruleset: Ruleset): CompiledRuleset {
  const cohorts = [...ruleset.cohorts].sort(compareCohorts).map(compileCohort);
  const pins = new Map<string, CompiledPin>();
  for (const pin of ruleset.pins) {
    pins.set(pin.userId, {
      mode: pin.mode,
      reason: pin.reason,
      expiresAt: pin.expiresAt,
      expiresAtMs: pin.expiresAt === null ? Infinity : Date.parse(pin.expiresAt),
    });
  }
  const defaultSeed = saltSeed(DEFAULT_SALT);
  const index = indexCohorts(cohorts, defaultSeed);
  return {
    version: ruleset.version,
    defaultMode: ruleset.defaultMode,
    defaultSeed,
    emergency: ruleset.emergency,
    emergencyExplanation: ruleset.emergency
      ? `emergency switch: everyone on ${ruleset.emergency.mode} since ${ruleset.emergency.since} (${ruleset.emergency.reason})`
      : "",
    defaultExplanation: `no cohort covers this user: default mode ${ruleset.defaultMode}`,
    cohorts,
    pins,
    pinFilter: userIdFilter(pins.keys(), defaultSeed),
    index,
    ruleset,
  };
}

const ATTRIBUTE_CONSTRAINTS = [
  ["region", "regions"],
  ["country", "countries"],
  ["schoolId", "schoolIds"],
  ["plan", "plans"],
] as const;

function indexCohorts(cohorts: readonly CompiledCohort[], defaultSeed: number): CohortIndex {
  const words = Math.max(1, Math.ceil(cohorts.length / 32));
  const mask = () => new Int32Array(words);
  const set = (m: Int32Array, i: number) => (m[i >>> 5] |= 1 << (i & 31));
  const active = mask();
  const withUserIds = mask();
  cohorts.forEach((cohort, i) => {
    if (cohort.percentBasisPoints > 0) set(active, i);
    if (cohort.userIds !== null) set(withUserIds, i);
  });
  const attributes: AttributeIndex[] = [];
  for (const [key, constraint] of ATTRIBUTE_CONSTRAINTS) {
    if (cohorts.every((cohort) => cohort[constraint] === null)) continue; // nothing to narrow: skip the lookup
    const unconstrained = mask();
    cohorts.forEach((cohort, i) => cohort[constraint] === null && set(unconstrained, i));
    const byValue = new Map<string, Int32Array>();
    cohorts.forEach((cohort, i) => {
      for (const value of cohort[constraint] ?? []) {
        let m = byValue.get(value);
        if (!m) byValue.set(value, (m = Int32Array.from(unconstrained)));
        set(m, i);
      }
    });
    const linear = byValue.size <= LINEAR_LOOKUP_MAX;
    attributes.push({
      key,
      values: linear ? [...byValue.keys()] : null,
      valueMasks: linear ? [...byValue.values()] : [],
      byValue: linear ? null : byValue,
      filter: linear ? null : valueFilter(byValue.keys()),
      unconstrained,
    });
  }
  return {
    words,
    active,
    attributes,
    withUserIds,
    userIdFilters: cohorts.map((cohort) => (cohort.userIds === null ? null : userIdFilter(cohort.userIds, defaultSeed))),
    scratchMasks: attributes.map((a) => a.unconstrained),
    seeds: Int32Array.from(cohorts, (c) => c.seed),
    percents: Int32Array.from(cohorts, (c) => c.percentBasisPoints),
    laneBuckets: new Int32Array(4),
  };
}

/** A filter with bit (hash mod its size) set for every hash: a clear bit proves the key is not in the set. */
function buildFilter(hashes: number[]): Int32Array {
  let bits = MIN_FILTER_BITS;
  while (bits < hashes.length * 16 && bits < MAX_FILTER_BITS) bits *= 2;
  const filter = new Int32Array(bits >>> 5);
  for (const hash of hashes) {
    const bit = hash & (bits - 1);
    filter[bit >>> 5] |= 1 << (bit & 31);
  }
  return filter;
}

/** False: the key of this hash is certainly not in the filtered set; true: it may be (look it up). */
export function filterMayHold(filter: Int32Array, hash: number): boolean {
  // the bit within its word is hash & 31, which a shift count already is
  return ((filter[(hash & ((filter.length << 5) - 1)) >>> 5] >>> hash) & 1) !== 0;
}

/** Pins and user-id lists are filtered by the default-salt hash, which every evaluation computes once. */
function userIdFilter(userIds: Iterable<string>, defaultSeed: number): Int32Array {
  return buildFilter(Array.from(userIds, (userId) => loadKey(userId, defaultSeed)));
}

function valueFilter(values: Iterable<string>): Int32Array {
  return buildFilter(Array.from(values, valueFilterHash));
}
