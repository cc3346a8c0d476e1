import { DEFAULT_SALT, bucketOfHash, bucketWithSeed, loadKey, loadedBuckets4, saltSeed } from "./bucket";
import type { Mode } from "./modes";
import { formatBasisPoints } from "./percent";
import type { Assignment, AssignmentReason, CohortConstraints, CohortRule, Ruleset, UserAttributes } from "./types";

/**
 * The one evaluation of a user's mode, used by the server, the application-side client and the simulator.
 *
 * Order: emergency switch > unexpired pin > the first cohort (ascending priority, then id) whose constraints all
 * match and whose percentage covers the user's bucket under that cohort's salt > the default mode.
 * A cohort covers buckets [0, percentBasisPoints), so raising a percentage keeps everyone already in (the ratchet).
 * Constraints: every given constraint must match (AND), any listed value matches (OR), values compare exactly;
 * an absent or empty list is no constraint; a constraint on an attribute the user lacks does not match.
 * User ids are not validated here (see user-id.ts): callers validate input once at their edge.
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

interface AttributeIndex {
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
function valueFilterHash(text: string): number {
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
function filterMayHold(filter: Int32Array, hash: number): boolean {
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

/** Whether the user's attributes satisfy every constraint of the cohort (the percentage aside). */
export function matchesConstraints(cohort: CompiledCohort, userId: string, attributes: UserAttributes | undefined): boolean {
  if (cohort.userIds !== null && !cohort.userIds.has(userId)) return false;
  if (cohort.regions !== null && !has(cohort.regions, attributes?.region)) return false;
  if (cohort.countries !== null && !has(cohort.countries, attributes?.country)) return false;
  if (cohort.schoolIds !== null && !has(cohort.schoolIds, attributes?.schoolId)) return false;
  if (cohort.plans !== null && !has(cohort.plans, attributes?.plan)) return false;
  return true;
}

function has(set: ReadonlySet<string>, value: string | undefined): boolean {
  return value !== undefined && set.has(value);
}

const NO_PIN_EXPIRY = " (no expiry)";

/**
 * What evaluate() returns. The explanation is for people (the Users page, API answers), not for the hot path:
 * a cohort's is spelled out when read, as building "… covers bucket 1234" on every evaluation cost it about 15 ns.
 * toJSON() writes it like any other field; a spread ({ ...assignment }) does not copy it.
 */
class EvaluatedAssignment implements Assignment {
  constructor(
    readonly userId: string,
    readonly mode: Mode,
    readonly cohort: { readonly id: string; readonly name: string } | null,
    readonly bucket: number,
    readonly reason: AssignmentReason,
    /** The whole explanation, or for a cohort its label. */
    private readonly detail: string,
    readonly rulesetVersion: number,
  ) {}

  get explanation(): string {
    return this.reason === "cohort" ? `${this.detail} covers bucket ${this.bucket}` : this.detail;
  }

  toJSON(): Assignment {
    const { userId, mode, cohort, bucket, reason, explanation, rulesetVersion } = this;
    return { userId, mode, cohort, bucket, reason, explanation, rulesetVersion };
  }
}

// Named reads rather than attributes[key]: a keyed read with four different keys goes megamorphic.
function attributeValue(attributes: UserAttributes, key: keyof UserAttributes): string | undefined {
  return key === "region" ? attributes.region : key === "country" ? attributes.country : key === "schoolId" ? attributes.schoolId : attributes.plan;
}

function lookupMask(attribute: AttributeIndex, value: string): Int32Array {
  const values = attribute.values;
  if (values !== null) {
    for (let i = 0; i < values.length; i++) if (values[i] === value) return attribute.valueMasks[i];
    return attribute.unconstrained;
  }
  if (!filterMayHold(attribute.filter!, valueFilterHash(value))) return attribute.unconstrained;
  return attribute.byValue!.get(value) ?? attribute.unconstrained;
}

export function evaluate(
  compiled: CompiledRuleset,
  userId: string,
  attributes?: UserAttributes,
  nowMs?: number,
): Assignment {
  // The default-salt hash comes with loading the key: pins and user-id lists are filtered by it, and it gives the
  // bucket reported when no cohort decides.
  const defaultHash = loadKey(userId, compiled.defaultSeed);
  const defaultBucket = bucketOfHash(defaultHash);
  if (compiled.emergency !== null) {
    return new EvaluatedAssignment(userId, compiled.emergency.mode, null, defaultBucket, "emergency", compiled.emergencyExplanation, compiled.version);
  }
  if (compiled.pins.size > 0) {
    const pin = filterMayHold(compiled.pinFilter, defaultHash) ? compiled.pins.get(userId) : undefined;
    // Date.now() only when a pin exists: it costs more than the rest of a typical evaluation.
    if (pin !== undefined && (nowMs ?? Date.now()) < pin.expiresAtMs) {
      const explanation = `pinned to ${pin.mode}: ${pin.reason}${pin.expiresAt === null ? NO_PIN_EXPIRY : ` (until ${pin.expiresAt})`}`;
      return new EvaluatedAssignment(userId, pin.mode, null, defaultBucket, "pin", explanation, compiled.version);
    }
  }
  const { index, cohorts } = compiled;
  const attributeIndexes = index.attributes;
  const masks = index.scratchMasks;
  // Up to 32 cohorts (one mask word, the usual case) the masks are ANDed as they are looked up.
  let firstWord = index.active[0];
  for (let a = 0; a < attributeIndexes.length; a++) {
    const attribute = attributeIndexes[a];
    const value = attributes === undefined ? undefined : attributeValue(attributes, attribute.key);
    const mask = value === undefined ? attribute.unconstrained : lookupMask(attribute, value);
    firstWord &= mask[0];
    if (index.words > 1) masks[a] = mask;
  }
  // Candidates are hashed four at a time (loadedBuckets4), then checked in priority order. The four are taken
  // off the mask into locals and their seeds passed as arguments: staging them in lane arrays cost the
  // all-cohorts-match case a quarter of its time.
  const { laneBuckets, seeds, percents } = index;
  for (let w = 0; w < index.words; w++) {
    let m = firstWord;
    if (w > 0) {
      m = index.active[w];
      for (let a = 0; a < attributeIndexes.length; a++) m &= masks[a][w];
    }
    const base = w << 5;
    // a cohort whose user-id list lacks the user is no candidate
    for (let listed = index.withUserIds[w] & m; listed !== 0; listed &= listed - 1) {
      const bit = listed & -listed;
      const i = base | (31 - Math.clz32(bit));
      if (!(filterMayHold(index.userIdFilters[i]!, defaultHash) && cohorts[i].userIds!.has(userId))) m &= ~bit;
    }
    while (m !== 0) {
      const i0 = base | (31 - Math.clz32(m & -m));
      m &= m - 1;
      const i1 = m === 0 ? -1 : base | (31 - Math.clz32(m & -m));
      m &= m - 1;
      const i2 = m === 0 ? -1 : base | (31 - Math.clz32(m & -m));
      m &= m - 1;
      const i3 = m === 0 ? -1 : base | (31 - Math.clz32(m & -m));
      m &= m - 1;
      loadedBuckets4(seeds[i0], i1 < 0 ? 0 : seeds[i1], i2 < 0 ? 0 : seeds[i2], i3 < 0 ? 0 : seeds[i3], laneBuckets);
      let lane = -1;
      if (laneBuckets[0] < percents[i0]) lane = 0;
      else if (i1 >= 0 && laneBuckets[1] < percents[i1]) lane = 1;
      else if (i2 >= 0 && laneBuckets[2] < percents[i2]) lane = 2;
      else if (i3 >= 0 && laneBuckets[3] < percents[i3]) lane = 3;
      if (lane >= 0) {
        const cohort = cohorts[lane === 0 ? i0 : lane === 1 ? i1 : lane === 2 ? i2 : i3];
        return new EvaluatedAssignment(userId, cohort.mode, cohort.ref, laneBuckets[lane], "cohort", cohort.label, compiled.version);
      }
    }
  }
  return new EvaluatedAssignment(userId, compiled.defaultMode, null, defaultBucket, "default", compiled.defaultExplanation, compiled.version);
}

/** One cohort's verdict on a user, for the support page's "why". */
export interface CohortTrace {
  cohort: { id: string; name: string };
  mode: Mode;
  percentBasisPoints: number;
  constraintsMatch: boolean;
  bucket: number;
  covers: boolean;
  decided: boolean;
}

export interface AssignmentTrace {
  assignment: Assignment;
  pin: (CompiledPin & { expired: boolean }) | null;
  cohorts: CohortTrace[];
}

/** evaluate() plus every cohort's verdict: slower, for people (the Users page), never for the hot path. */
export function explain(
  compiled: CompiledRuleset,
  userId: string,
  attributes?: UserAttributes,
  nowMs: number = Date.now(),
): AssignmentTrace {
  const assignment = evaluate(compiled, userId, attributes, nowMs);
  const pin = compiled.pins.get(userId);
  let decidedSeen = assignment.reason !== "cohort";
  const cohorts = compiled.cohorts.map((cohort) => {
    const constraintsMatch = matchesConstraints(cohort, userId, attributes);
    const bucket = bucketWithSeed(userId, cohort.seed);
    const covers = constraintsMatch && bucket < cohort.percentBasisPoints;
    const decided = !decidedSeen && covers;
    if (decided) decidedSeen = true;
    return {
      cohort: cohort.ref,
      mode: cohort.mode,
      percentBasisPoints: cohort.percentBasisPoints,
      constraintsMatch,
      bucket,
      covers,
      decided,
    };
  });
  return { assignment, pin: pin ? { ...pin, expired: nowMs >= pin.expiresAtMs } : null, cohorts };
}
