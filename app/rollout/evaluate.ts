import { bucketOfHash, loadKey, loadedBuckets4 } from "./bucket";
import type { Mode } from "./modes";
import type { Assignment, AssignmentReason, UserAttributes } from "./types";
import { filterMayHold, valueFilterHash, type AttributeIndex, type CompiledCohort, type CompiledRuleset } from "./compile";

/**
 * The one evaluation of a user's mode, used by the server, the application-side client and the simulator.
 *
 * Order: emergency switch > unexpired pin > the first cohort (ascending priority, then id) whose constraints all
 * match and whose percentage covers the user's bucket under that cohort's salt > the default mode.
 * A cohort covers buckets [0, percentBasisPoints), so raising a percentage keeps everyone already in (the ratchet).
 * Constraints: every given constraint must match (AND), any listed value matches (OR), values compare exactly;
 * an absent or empty list is no constraint; a constraint on an attribute the user lacks does not match.
 * User ids are not validated here (see user-id.ts): callers validate input once at their edge.
 * The ruleset is compiled once (compile.ts); explain.ts gives the same answer with every cohort's verdict.
 */

export { compileRuleset, type CompiledRuleset } from "./compile";

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

export function evaluate(compiled: CompiledRuleset, userId: string, attributes?: UserAttributes, nowMs?: number): Assignment {
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
