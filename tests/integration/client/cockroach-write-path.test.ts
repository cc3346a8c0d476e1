import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { createCutoverClient, type CutoverClient } from "../../../client/src/index";
import { startFakeControlPlane, waitFor, type FakeControlPlane } from "../../../client/test-support/fake-control-plane";
import { testRuleset } from "../../../client/test-support/rulesets";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";

/**
 * The client on a CockroachDB-like write path, against real databases: a target whose writes fail with SQLSTATE
 * 40001 ("restart transaction", CockroachDB's retry error) a set number of times, and a target whose column types
 * are CockroachDB's widths (INT8 for every INT, STRING for VARCHAR).
 */
describe("the client on CockroachDB's write path", () => {
  let source: ScratchDatabase;
  let target: ScratchDatabase;
  let plane: FakeControlPlane;
  let client: CutoverClient;

  beforeAll(async () => {
    [source, target] = await Promise.all([createScratchDatabase("crdb_src"), createScratchDatabase("crdb_tgt")]);
    await source.sql.unsafe(`create table documents (id int4 primary key, pages int4 not null, title varchar(40) not null, score numeric(6,2) not null)`);
    // The attempt count lives in a sequence: nextval survives the rollback the raised error causes.
    await target.sql.unsafe(`
      create table documents (id int8 primary key, pages int8 not null, title text not null, score numeric(6,2) not null);
      create table failures (allowed int not null);
      insert into failures values (0);
      create sequence attempts;
      create function fail_serialization() returns trigger language plpgsql as $$
      begin
        if nextval('attempts') <= (select allowed from failures) then
          raise exception 'restart transaction: TransactionRetryWithProtoRefreshError: simulated' using errcode = '40001';
        end if;
        return new;
      end $$;
      create trigger fail_serialization before insert on documents for each row execute function fail_serialization()`);
    plane = await startFakeControlPlane();
    plane.setRuleset(testRuleset(1));
    client = createCutoverClient({ url: plane.url, token: plane.token, pollIntervalMs: 60_000, reporter: { flushIntervalMs: 60_000 } });
    await client.ready();
  });
  afterAll(async () => {
    await client?.close(100);
    await plane?.close();
    await Promise.all([source?.drop(), target?.drop()]);
  });

  async function failTargetWrites(times: number) {
    await target.sql`update failures set allowed = ${times}`;
    await target.sql`select setval('attempts', 1, false)`;
  }
  const attempts = async () => Number((await target.sql`select last_value, is_called from attempts`).map((r) => (r.is_called ? r.last_value : 0))[0]);
  const insert = (id: number) => ({
    source: () => source.sql`insert into documents values (${id}, 3, 'Essay', 1.5)`.then(() => id),
    target: () => target.sql`insert into documents values (${id}, 3, 'Essay', 1.5)`.then(() => id),
  });
  const writeErrors = () => plane.processed.flatMap((b) => b.mismatches).filter((m) => m.kind === "write_error");

  it("retries a target write that fails twice with 40001, and reports nothing", async () => {
    await failTargetWrites(2);
    const retriesBefore = client.counters().targetWriteRetries;
    expect(await client.write("user-dual_write", insert(1), { table: "documents", primaryKey: 1 })).toBe(1);
    expect(await attempts()).toBe(3);
    expect(client.counters().targetWriteRetries - retriesBefore).toBe(2);
    expect(await target.sql`select id from documents where id = 1`).toHaveLength(1);
    expect(await client.reporter.flush()).toBe(true);
    expect(writeErrors()).toEqual([]);
  });

  it("reports a write_error once the retries are spent", async () => {
    await failTargetWrites(1_000);
    const errorsBefore = client.counters().secondaryWriteErrors;
    expect(await client.write("user-dual_write", insert(2), { table: "documents", primaryKey: 2 })).toBe(2);
    // The first attempt and three retries (the default bound).
    expect(await attempts()).toBe(4);
    expect(client.counters().secondaryWriteErrors - errorsBefore).toBe(1);
    expect(await client.reporter.flush()).toBe(true);
    expect(writeErrors()).toEqual([
      expect.objectContaining({ origin: "dual_write_error", table: "documents", primaryKey: 2, targetValue: expect.objectContaining({ code: "40001" }) }),
    ]);
  });

  it("does not retry an error that is not retryable", async () => {
    await failTargetWrites(0);
    const retriesBefore = client.counters().targetWriteRetries;
    // id 1 is on the target already: a unique violation (23505) is the application's, not the engine's, to retry.
    await client.write("user-dual_write", { source: () => 0, target: insert(1).target }, { table: "documents", primaryKey: 1 });
    expect(client.counters().targetWriteRetries).toBe(retriesBefore);
  });

  it("compares INT4 with INT8 and VARCHAR with STRING values as equal, as reconciliation does", async () => {
    await failTargetWrites(0);
    await source.sql`insert into documents values (10, 12, 'Worksheet', 2.50)`;
    await target.sql`insert into documents values (10, 12, 'Worksheet', 2.50)`;
    const read = {
      source: () => source.sql`select id, pages, title, score from documents where id = 10`.then((rows) => rows[0]),
      target: () => target.sql`select id, pages, title, score from documents where id = 10`.then((rows) => rows[0]),
    };
    // postgres.js gives int4 as a number and int8 as a string: what the comparison must see through.
    expect(typeof (await read.source()).pages).toBe("number");
    expect(typeof (await read.target()).pages).toBe("string");
    const before = client.counters();
    await client.read("user-shadow_read", read, { compare: { table: "documents" } });
    await waitFor(() => client.counters().comparisons === before.comparisons + 1, 5_000, "the comparison");
    expect(client.counters().mismatchesFound).toBe(before.mismatchesFound);
  });
});
