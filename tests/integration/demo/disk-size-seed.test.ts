import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { seedDemoDiskSize } from "../../../db/seed/demo-disk-size";
import { parseStoredThresholds } from "../../../app/health/thresholds";
import { createControlDatabase } from "../../support/control-db";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

const GIB = 2 ** 30;
let control: ScratchDatabase;
let source: ScratchDatabase;

beforeAll(async () => {
  [control, source] = await Promise.all([createControlDatabase("disk_seed_control"), createScratchDatabase("disk_seed_source")]);
});

afterAll(async () => {
  await Promise.all([control?.drop(), source?.drop()]);
});

describe("the demo's disk size", () => {
  it("is set to four times the source's size in whole GiB, with an audit entry saying it is an assumption, once", async () => {
    const urls = { controlUrl: control.url, sourceUrl: source.url, targetUrl: source.url };
    await seedDemoDiskSize(urls);
    const [{ bytes }] = await source.sql<{ bytes: string }[]>`select pg_database_size(current_database())::text as bytes`;
    const [stored] = await control.sql<{ value: unknown }[]>`select value from settings where key = 'health.thresholds'`;
    const thresholds = parseStoredThresholds(stored.value);
    expect(thresholds.sourceDiskBytes).toBe(Math.ceil((Number(bytes) * 4) / GIB) * GIB);
    const audit = await control.sql`select actor_type, action, reason, after from audit_log where entity_id = 'health.thresholds'`;
    expect(audit).toHaveLength(1);
    expect(audit[0]).toMatchObject({ actor_type: "system", action: "health.thresholds.update" });
    expect(audit[0].reason).toMatch(/^The demo's assumption, not a measurement/);
    expect(audit[0].after.sourceDiskBytes).toBe(thresholds.sourceDiskBytes);
    // A size someone set is never overwritten.
    await control.sql`update settings set value = jsonb_set(value, '{sourceDiskBytes}', ${String(500 * GIB)}::jsonb) where key = 'health.thresholds'`;
    await seedDemoDiskSize(urls);
    const [after] = await control.sql<{ value: { sourceDiskBytes: number } }[]>`select value from settings where key = 'health.thresholds'`;
    expect(parseStoredThresholds(after.value).sourceDiskBytes).toBe(500 * GIB);
    expect(await control.sql`select 1 from audit_log where entity_id = 'health.thresholds'`).toHaveLength(1);
  });
});
