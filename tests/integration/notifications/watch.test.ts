import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { watchConditions } from "~/models/notification-watch.server";
import { useControlDatabase } from "../mismatches/use-control-db";

let control: Awaited<ReturnType<typeof useControlDatabase>>;

beforeAll(async () => {
  control = await useControlDatabase("watch");
  const sql = control.db.sql;
  const cohorts = await sql`
    insert into cohorts (name, priority, mode, percent_basis_points, salt, mismatch_budget, budget_window_minutes)
    values ('Over budget', 1, 'shadow_read', 5000, 'a', 0.01, 60), ('Within budget', 2, 'shadow_read', 5000, 'b', 0.1, 60)
    returning id::text, name`;
  const id = (name: string) => cohorts.find((c) => c.name === name)!.id as string;
  // 5 of 100 reads mismatched (5% > 1%); 5 of 100 in the other (5% < 10%); an old breach outside the window.
  await sql`insert into mismatch_comparisons (cohort_id, table_name, window_start, compared, mismatched) values
    (${id("Over budget")}, 'documents', now() - interval '5 minutes', 100, 5),
    (${id("Within budget")}, 'documents', now() - interval '5 minutes', 100, 5),
    (${id("Within budget")}, 'documents', now() - interval '3 hours', 100, 90)`;
  // A latency gate of 2x: the target's reads at about 40 ms against the source's 2 ms (200 timings each).
  await sql`insert into cohort_latency_budgets (cohort_id, p99_factor) values (${id("Over budget")}, 2)`;
  await sql`insert into operation_latency (minute, cohort_id, table_name, operation, side, count, errors, sum_ms, buckets)
    select date_trunc('minute', now()) - interval '2 minutes', ${id("Over budget")}, 'documents', 'select by id', side::latency_side, 200, 0, ms * 200,
      array_fill(0::bigint, array[bucket]) || array[200::bigint] || array_fill(0::bigint, array[22 - bucket])
    from (values ('source', 2, 4), ('target', 40, 11)) v(side, ms, bucket)`;
});
afterAll(async () => {
  await control?.close();
});

const events = () =>
  control.db.sql<{ type: string; severity: string; dedupe_key: string; detail: Record<string, unknown> }[]>`
    select type, severity, dedupe_key, detail from notification_events order by id`;

describe("the notification watcher", () => {
  it("raises a stale collector per side and a breached mismatch budget per cohort, from the stored figures", async () => {
    await watchConditions();
    const raised = await events();
    expect(
      raised
        .filter((e) => e.type === "collector.stale")
        .map((e) => e.detail.side)
        .sort(),
    ).toEqual(["source", "target"]);
    const breached = raised.filter((e) => e.type === "mismatch_budget.breached");
    expect(breached).toHaveLength(1);
    expect(breached[0].detail).toMatchObject({ cohort: "Over budget", rate: 0.05, budget: 0.01, compared: 100, mismatched: 5 });
    const slow = raised.filter((e) => e.type === "latency_budget.exceeded");
    expect(slow).toHaveLength(1);
    expect(slow[0].detail).toMatchObject({ cohort: "Over budget", p99Factor: 2 });
    expect(slow[0].detail.targetP99Ms as number).toBeGreaterThan(25);
  });

  it("raises a condition that holds once an hour, not at every minute's check", async () => {
    const before = (await events()).length;
    await watchConditions();
    await watchConditions();
    expect((await events()).length).toBe(before);
    // An hour later it is raised again, once.
    await control.db.sql`update notification_events set at = at - interval '61 minutes'`;
    await watchConditions();
    expect((await events()).length).toBe(before * 2);
  });

  it("stays quiet once the condition is gone", async () => {
    await control.db.sql`update notification_events set at = at - interval '61 minutes'`;
    await control.db.sql`update mismatch_comparisons set mismatched = 0 where window_start > now() - interval '1 hour'`;
    await control.db.sql`update cohort_latency_budgets set p99_factor = 50`;
    const before = (await events()).length;
    await watchConditions();
    const raised = (await events()).slice(before);
    expect(raised.map((e) => e.type).sort()).toEqual(["collector.stale", "collector.stale"]);
  });
});
