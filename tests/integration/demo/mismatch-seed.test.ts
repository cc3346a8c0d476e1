import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoApplicationData } from "../../../db/demo/seeder";
import { seedDemoControl } from "../../../db/seed/demo-control";
import { seedDemoMismatches } from "../../../db/seed/demo-mismatches";
import { seedRolloutCohorts } from "../../../db/seed/rollout-cohorts";
import { cohortRatesAgainstBudget } from "~/models/comparison.server";
import { getMismatch } from "~/models/mismatch.server";
import { loadMismatchOverview } from "~/models/mismatch-overview.server";
import { recheckMismatch } from "~/models/mismatch-recheck.server";
import { closeSideConnections } from "~/utils/databases.server";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { useControlDatabase } from "../mismatches/use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let source: ScratchDatabase;
let target: ScratchDatabase;

beforeAll(async () => {
  [source, target] = await Promise.all([createScratchDatabase("mmseed_src"), createScratchDatabase("mmseed_tgt")]);
  process.env.SOURCE_DATABASE_URL = source.url;
  process.env.TARGET_DATABASE_URL = target.url;
  control = await useControlDatabase("mmseed");
  const urls = { controlUrl: control.db.url, sourceUrl: source.url, targetUrl: target.url };
  await seedDemoControl(urls.controlUrl);
  await seedDemoApplicationData(urls);
  await seedRolloutCohorts(urls);
  await seedDemoMismatches(urls);
}, 120_000);
afterAll(async () => {
  await closeSideConnections();
  await control?.close();
  await Promise.all([source?.drop(), target?.drop()]);
});

describe("the demo's mismatch history", () => {
  it("spans two days of records whose groups and hourly counts add up, as ingestion keeps them", async () => {
    const sql = control.db.sql;
    const [m] = await sql`
      select count(*)::int as records, sum(occurrences)::int as occurrences, min(first_seen_at) as first, max(last_seen_at) as last
      from mismatches`;
    expect(m.records).toBeGreaterThan(500);
    expect(Date.now() - m.first.getTime()).toBeGreaterThan(40 * 3_600_000);
    expect(Date.now() - m.last.getTime()).toBeLessThan(3_600_000);
    const [g] = await sql`select sum(records)::int as records, sum(occurrences)::int as occurrences from mismatch_groups`;
    const [h] = await sql`select sum(occurrences)::int as occurrences from mismatch_hourly`;
    expect(g).toEqual({ records: m.records, occurrences: m.occurrences });
    expect(h.occurrences).toBe(m.occurrences);
    const origins = await sql`select origin::text, count(*)::int as n from mismatches group by 1 order by 1`;
    expect(origins.map((r) => r.origin)).toEqual(["dual_write_error", "shadow_read"]);
  });

  it("holds no value mismatch without a differing field, and leaves the users table to a reconciliation", async () => {
    const sql = control.db.sql;
    const [empty] = await sql`select count(*)::int as n from mismatches where kind = 'value_mismatch' and differing_fields = '{}'`;
    expect(empty.n).toBe(0);
    const [users] = await sql`select count(*)::int as n from mismatches where table_name = 'users'`;
    expect(users.n).toBe(0);
    // The user the support page opens first has recent ones to show.
    const [featured] = await sql`select count(*)::int as n from mismatches where user_id = 'u_000042' and last_seen_at > now() - interval '12 hours'`;
    expect(featured.n).toBeGreaterThan(0);
  });

  it("was triaged by the engineer: statuses, an assignee, notes, each change in the audit log", async () => {
    const sql = control.db.sql;
    const statuses = await sql`select status::text as label, count(*)::int as n from mismatches group by status order by status`;
    expect(statuses.map((r) => r.label)).toEqual(["open", "investigating", "resolved", "ignored"]);
    const [assigned] = await sql`
      select count(*)::int as n from mismatches m join users u on u.id = m.assignee_id
      where m.status = 'investigating' and u.email = 'engineer@demo.local'`;
    expect(assigned.n).toBe(statuses.find((r) => r.label === "investigating")!.n);
    const [notes] = await sql`select count(*)::int as n from mismatch_notes where author_label = 'engineer@demo.local'`;
    expect(notes.n).toBe(12);
    const [triaged] = await sql`select count(*)::int as n from mismatches where status <> 'open'`;
    const [audited] = await sql`
      select count(distinct entity_id)::int as n from audit_log where action = 'mismatch.update' and actor_label = 'engineer@demo.local'`;
    expect(audited.n).toBe(triaged.n);
  });

  it("reports comparison counts that keep every cohort within its mismatch budget", async () => {
    const rates = await cohortRatesAgainstBudget();
    expect(rates).toHaveLength(3);
    for (const r of rates) {
      expect(r.compared).toBeGreaterThan(0);
      expect(r.rate).toBeGreaterThan(0);
      expect(r.rate!).toBeLessThan(r.budget!);
    }
  });

  it("keeps the seeded divergences' real rows, so a re-check still finds them", async () => {
    const [row] = await control.db.sql`
      select id::int, table_name, primary_key from mismatches where table_name = 'documents' and differing_fields = '{title}'`;
    // The detail names the record's cohort.
    expect(["Internal staff", "Oceania schools", "Everyone"]).toContain((await getMismatch(row.id))?.cohortName);
    const recheck = await recheckMismatch(row.table_name, row.primary_key);
    expect(recheck).toMatchObject({ stillDiffers: true, sourceFound: true, targetFound: true });
    expect(recheck.comparison.differingFields).toEqual(["title"]);
  });

  it("sums up on the Overview: open work, the last day per hour, cohorts against budget, top offenders", async () => {
    const sql = control.db.sql;
    const overview = await loadMismatchOverview();
    const [open] = await sql`select count(*)::int as n from mismatches where status = 'open'`;
    const [day] = await sql`
      select coalesce(sum(occurrences), 0)::int as n from mismatch_hourly where hour >= date_trunc('hour', now()) - interval '23 hours'`;
    expect(overview.open).toBe(open.n);
    expect(overview.lastDay).toHaveLength(24);
    expect(overview.lastDay.reduce((a, b) => a + b, 0)).toBe(day.n);
    expect(overview.lastDay.filter((n) => n > 0).length).toBeGreaterThan(12);
    expect(overview.cohorts.map((c) => c.cohortName)).toEqual(["Internal staff", "Oceania schools", "Everyone"]);
    expect(overview.topGroups).toHaveLength(3);
    expect(overview.topGroups[0].occurrences).toBeGreaterThanOrEqual(overview.topGroups[1].occurrences);
    expect(overview).toMatchObject({ setAsideBatches: 0, waitingRecords: 0 });
  });
});
