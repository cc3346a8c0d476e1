import type { DemoUrls } from "../db/seed";

/** The demo traffic simulator (filled in by the demo migration work); returns a stop function. */
export async function startDemoTraffic(_urls: DemoUrls): Promise<{ stop(): Promise<void> } | null> {
  return null;
}
