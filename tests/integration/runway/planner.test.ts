import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startTestApp, type TestApp } from "../../support/app-server";
import { createSourceUsers } from "../../support/source-users";

/**
 * The planner against 30 days of recorded samples: an hourly XID counter and database age with a school-day
 * swing, quieter weekends and noise, fed to the collector's series. The projection made on day 10 (from the
 * week before it) is compared with the moment the rest of the recording reaches the failsafe.
 */
let app: TestApp;
const HOUR = 3_600_000;
const DAY = 24 * HOUR;
const FAILSAFE = 1_600_000_000;
// A recording is a fixed thing: it starts on a Monday at midnight UTC (the latest one at least 30 days ago), so
// the school week falls on the same days of it whatever day the test runs (a week's mean rate projects a partial
// week ahead; where the weekend falls in that part moves the replay's date by a few percent).
const start = (() => {
  const day = Math.floor((Date.now() - 30 * DAY) / DAY) * DAY;
  return day - ((new Date(day).getUTCDay() + 6) % 7) * DAY;
})();

function recording() {
  const samples: { at: number; nextXid: number; age: number }[] = [];
  let counter = 41e9;
  let age = 100e6;
  let seed = 7;
  for (let at = start; at <= start + 30 * DAY; at += HOUR) {
    samples.push({ at, nextXid: counter, age });
    seed = (seed * 48271) % 2147483647;
    const noise = 0.9 + 0.2 * (seed / 2147483647);
    const weekday = new Date(at).getUTCDay();
    const week = weekday === 0 || weekday === 6 ? 0.6 : 1;
    const school = 1 + 0.35 * Math.sin((2 * Math.PI * ((at / HOUR) % 24)) / 24);
    const xids = 1000 * 3600 * week * school * noise;
    counter += xids;
    age += xids;
  }
  return samples;
}

beforeAll(async () => {
  process.env.NODE_ENV = "production";
  app = await startTestApp({ prepare: ({ source }) => createSourceUsers(source.sql, 400, { region: "eu", country: "DE" }) });
  const samples = recording();
  const rows = samples.flatMap((s) => [
    { side: "source", metric: "next_xid", subject: "", resolution: "hour", at: new Date(s.at), value: s.nextXid, peak: s.nextXid },
    { side: "source", metric: "xid_age", subject: "app", resolution: "hour", at: new Date(s.at), value: s.age, peak: s.age },
  ]);
  await app.control.sql`insert into health_series ${app.control.sql(rows)}`;
}, 120_000);

afterAll(async () => {
  await app?.close();
});

describe("the runway planner", () => {
  it("projects the failsafe within 5% of when a replay of the recording reaches it", async () => {
    const { measureSourceRunway } = await import("../../../app/models/runway-planner.server");
    const { crossingMs } = await import("../../../app/runway/projection");
    const day10 = start + 10 * DAY;
    const measured = (await measureSourceRunway(day10))!;
    expect(measured.nowMs).toBe(day10);
    expect(measured.rateWindowHours).toBe(168);
    const projected = crossingMs({ ...measured, failsafeAge: FAILSAFE, targetOnlyShareNow: 0 }, [], FAILSAFE)!;
    const replayed = recording().find((s) => s.at > day10 && s.age >= FAILSAFE)!.at;
    const [p, r] = [(projected - day10) / DAY, (replayed - day10) / DAY];
    process.stdout.write(
      `runway replay: projected failsafe in ${p.toFixed(2)} days (${new Date(projected).toISOString()}), ` +
        `replay reached it in ${r.toFixed(2)} days (${new Date(replayed).toISOString()}), off by ${((Math.abs(p - r) / r) * 100).toFixed(1)}%\n`,
    );
    expect(Math.abs(p - r) / r).toBeLessThan(0.05);
  });

  it("measures a young collector's rate from its raw readings instead of saying there is no history", async () => {
    const { measureSourceRunway } = await import("../../../app/models/runway-planner.server");
    // Well past the recording: three raw readings a minute apart, the first hour's rows of a new collector.
    const now = start + 60 * DAY;
    const raw = [0, 1, 2].map((i) => ({
      side: "source",
      metric: "next_xid",
      subject: "",
      resolution: "raw",
      at: new Date(now - (2 - i) * 60_000),
      value: 50e9 + i * 60_000,
      peak: 50e9 + i * 60_000,
    }));
    // The collector keeps each hour's average current: readings either side of midnight leave two hourly rows a
    // minute apart, which must not be read as an hour's worth of XIDs.
    const hourly = [
      { ...raw[0], resolution: "hour", at: new Date(now - 3_600_000), value: 50e9 + 30_000, peak: 50e9 + 60_000 },
      { ...raw[2], resolution: "hour", at: new Date(now) },
    ];
    await app.control.sql`insert into health_series ${app.control.sql([...raw, ...hourly])}`;
    const measured = await measureSourceRunway(now);
    expect(measured).not.toBeNull();
    expect(measured!.xidRatePerSecond).toBeCloseTo(1000);
  });

  it("saves a what-if as an audited proposal that changes no rule", async () => {
    const [{ id: cohortId }] = await app.control.sql<{ id: string }[]>`
      insert into cohorts (name, priority, mode, percent_basis_points, salt, constraints)
      values ('EU pilot', 1, 'dual_write', 5000, 'eu', '{}') returning id`;
    const before = await app.control.sql`select id, mode, percent_basis_points from cohorts order by id`;
    const [{ version: versionBefore }] = await app.control.sql`select coalesce(max(version), 0)::int as version from ruleset_versions`;
    const engineer = await app.login("engineer");
    const post = (cookie: string, body: Record<string, string>) =>
      fetch(`${app.baseUrl}/runway?index`, { method: "POST", headers: { Cookie: cookie, Origin: app.baseUrl }, body: new URLSearchParams(body) });
    const plan = JSON.stringify({ moves: [{ cohortId, atMs: Date.now() + 5 * DAY, basisPoints: 10_000 }] });
    expect((await post(await app.login("viewer"), { intent: "propose", reason: "x", plan })).status).toBe(403);
    expect((await post(engineer, { intent: "propose", reason: "", plan })).status).toBe(400);
    expect((await post(engineer, { intent: "propose", reason: "r", plan: "{" })).status).toBe(400);
    const hostile = JSON.stringify({ moves: [{ cohortId: "x'; drop table cohorts", atMs: 1, basisPoints: 1 }] });
    expect((await post(engineer, { intent: "propose", reason: "r", plan: hostile })).status).toBe(400);
    const saved = await post(engineer, { intent: "propose", reason: "EU fully off the source before the exam season", plan });
    expect(saved.status).toBe(200);
    const [proposal] = await app.control.sql<{ id: string; reason: string }[]>`select id, reason from runway_proposals`;
    expect(proposal.reason).toBe("EU fully off the source before the exam season");
    const audit = await app.control.sql`select action, entity_id, reason from audit_log where action = 'runway.proposal'`;
    expect(audit).toEqual([{ action: "runway.proposal", entity_id: proposal.id, reason: "EU fully off the source before the exam season" }]);
    expect(await app.control.sql`select id, mode, percent_basis_points from cohorts order by id`).toEqual(before);
    const [{ version: versionAfter }] = await app.control.sql`select coalesce(max(version), 0)::int as version from ruleset_versions`;
    expect(versionAfter).toBe(versionBefore);

    const page = await fetch(`${app.baseUrl}/runway`, { headers: { Cookie: engineer } });
    const html = await page.text();
    expect(page.status).toBe(200);
    expect(html).toContain("50% of writes on target_only by");
    expect(html).toContain("EU fully off the source before the exam season");
    expect((await fetch(`${app.baseUrl}/runway?share=500`, { headers: { Cookie: engineer } })).status).toBe(400);
  });
});
