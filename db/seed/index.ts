import postgres from "postgres";
import { seedDemoApplicationData } from "../demo/seeder";
import { seedDemoBackfills } from "./demo-backfills";
import { seedDemoControl } from "./demo-control";
import { seedDemoDiskSize } from "./demo-disk-size";
import { seedDemoHealthHistory } from "./demo-health";
import { seedDemoLatency } from "./demo-latency";
import { seedDemoMismatches } from "./demo-mismatches";
import { seedRolloutCohorts } from "./rollout-cohorts";
import type { DemoUrls } from "./urls";

export type { DemoUrls };

/** A demo step per domain (cohorts, mismatch history, samples, ...), run in order after the logins exist. */
export type DemoSeeder = (urls: DemoUrls) => Promise<void>;

// Application data first: later steps (cohorts, mismatch history) refer to its users and rows.
export const demoSeeders: DemoSeeder[] = [
  seedDemoApplicationData,
  seedRolloutCohorts,
  seedDemoMismatches,
  seedDemoLatency,
  seedDemoHealthHistory,
  seedDemoDiskSize,
  seedDemoBackfills,
];

/** Seeds the whole demo once; later starts find the marker and skip it. */
export async function seedDemo(urls: DemoUrls): Promise<boolean> {
  const control = postgres(urls.controlUrl, { max: 1, onnotice: () => {} });
  try {
    const [done] = await control`select 1 from settings where key = 'demo.seeded'`;
    if (done) return false;
    await seedDemoControl(urls.controlUrl);
    for (const seed of demoSeeders) await seed(urls);
    await control`insert into settings (key, value) values ('demo.seeded', ${control.json({ at: new Date().toISOString() })}) on conflict (key) do nothing`;
    return true;
  } finally {
    await control.end({ timeout: 5 });
  }
}
