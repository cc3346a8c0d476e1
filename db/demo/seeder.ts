import postgres from "postgres";
import { seedDemoApplication } from "./seed";

/** The demo seeder step (db/seed/index.ts): the application data on the demo source and target. */
export async function seedDemoApplicationData(urls: { sourceUrl: string; targetUrl: string }): Promise<void> {
  const source = postgres(urls.sourceUrl, { max: 1, onnotice: () => {} });
  const target = postgres(urls.targetUrl, { max: 1, onnotice: () => {} });
  try {
    await seedDemoApplication({ source, target });
  } finally {
    await Promise.all([source.end({ timeout: 5 }), target.end({ timeout: 5 })]);
  }
}
