import { MODES } from "../../app/rollout/modes";
import type { CohortRule, Ruleset, UserAttributes } from "../../app/rollout/types";
import { seededRandom } from "../../db/seed/seeded-random";

// The evaluation workload shared by bench:rollout-evaluate and bench:client-assignment, so the two figures are
// comparable: 20 cohorts with constraints (one with 100,000 user ids), 1,000 pins, 65,536 distinct users.
const REGIONS = ["us-east", "us-west", "eu", "apac", "latam"];
const COUNTRIES = ["US", "CA", "GB", "DE", "FR", "IN", "NZ", "AU", "BR", "MX"];
const PLANS = ["free", "teacher", "school", "district"];

export const USERS = 1 << 16;

export function evaluationWorkload(seed = 42) {
  const random = seededRandom(seed);
  const pick = <T>(values: T[]) => values[Math.floor(random() * values.length)];
  const cohorts: CohortRule[] = Array.from({ length: 20 }, (_, i) => {
    const constraints: CohortRule["constraints"] = {};
    if (i % 4 === 0) constraints.regions = [pick(REGIONS)];
    if (i % 4 === 1) constraints.countries = [pick(COUNTRIES), pick(COUNTRIES)];
    if (i % 4 === 2) constraints.plans = [pick(PLANS)];
    if (i % 4 === 3) constraints.schoolIds = Array.from({ length: 200 }, () => `school-${Math.floor(random() * 5000)}`);
    if (i === 19) constraints.userIds = Array.from({ length: 100_000 }, (_, j) => `user-${j * 7}`);
    return {
      id: `c${i}`,
      name: `Cohort ${i}`,
      priority: i,
      mode: MODES[1 + (i % 4)],
      percentBasisPoints: Math.floor(random() * 3000),
      salt: `salt-${i}`,
      constraints,
    };
  });
  const ruleset: Ruleset = {
    version: 1,
    defaultMode: "source_only",
    emergency: null,
    cohorts,
    pins: Array.from({ length: 1000 }, (_, i) => ({ userId: `user-${i * 997}`, mode: "source_only" as const, reason: "support", expiresAt: null })),
  };
  const ids: string[] = [];
  const attributes: UserAttributes[] = [];
  for (let i = 0; i < USERS; i++) {
    ids.push(`user-${Math.floor(random() * 30_000_000)}`);
    attributes.push({ region: pick(REGIONS), country: pick(COUNTRIES), plan: pick(PLANS), schoolId: `school-${Math.floor(random() * 5000)}` });
  }
  return { cohorts, ruleset, ids, attributes };
}
