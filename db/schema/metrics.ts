import { pgTable, text, timestamp } from "drizzle-orm/pg-core";

/**
 * The latest figures of the /metrics providers that read large tables (app/metrics/snapshot.server.ts), shared
 * by every web process: a scrape serves them while they are fresh and refreshes them after it answers, so a
 * scrape never waits on the heavy queries, and N processes or Prometheus replicas do not run them N times.
 */
export const metricsSnapshots = pgTable("metrics_snapshots", {
  provider: text("provider").primaryKey(),
  /** The provider's families as Prometheus text, ready to be served. */
  exposition: text("exposition"),
  /** Their names: a page must not hold one family twice (two providers naming one metric). */
  familyNames: text("family_names").array(),
  collectedAt: timestamp("collected_at", { withTimezone: true }),
  /** Set while one process refreshes it (a claim that lapses, so a process that died does not hold it). */
  refreshingUntil: timestamp("refreshing_until", { withTimezone: true }),
});
