import postgres from "postgres";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { isDatabaseUnavailable } from "~/utils/database-unavailable";
import { reconnectBackoff } from "~/utils/reconnect-backoff.server";
import { createScratchDatabase, type ScratchDatabase } from "../../support/databases";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";

/**
 * postgres.js (3.4.9) starts every new connection with a query of its own, for the array types; it dropped that
 * query's promise. An outage that began during that query rejected it with nobody listening: an unhandled
 * rejection, which ends a web or worker process (porsager/postgres#1192). Cutover patches the driver
 * (patches/postgres+3.4.9.patch); this is the outage that found it, made exact: the database goes away the moment
 * a new connection asks for its types.
 */
let db: ScratchDatabase;
let proxy: TcpProxy;
const unhandled: unknown[] = [];
const onUnhandled = (reason: unknown) => unhandled.push(reason);

beforeAll(async () => {
  db = await createScratchDatabase("driver_startup_outage");
  proxy = await startTcpProxy(db.url);
  process.on("unhandledRejection", onUnhandled);
});

afterAll(async () => {
  process.off("unhandledRejection", onUnhandled);
  await proxy?.close();
  await db?.drop();
});

describe("a connection whose database goes away during its start-up", () => {
  it("fails the waiting query with the outage, ends nothing else, and connects again once the database is back", async () => {
    // The pools' settings (db.server.ts), on a fresh pool: its first connection fetches the array types.
    const sql = postgres(proxy.url(db.url), { max: 1, connect_timeout: 5, backoff: reconnectBackoff, onnotice: () => {} });
    try {
      const outage = proxy.refuseOnClientText("typarray");
      const first = sql`select 1 as one`.then(
        () => null,
        (error: unknown) => error,
      );
      await outage;
      // The driver reconnects for the waiting query and is refused, for a second.
      await new Promise((resolve) => setTimeout(resolve, 1_000));
      await proxy.accept();
      const error = await first;
      expect(error === null || isDatabaseUnavailable(error), `the query failed with ${String(error)}`).toBe(true);
      const [row] = await sql<{ one: number }[]>`select 1 as one`;
      expect(row.one).toBe(1);
      // An unhandled rejection is reported after the microtasks that could still handle it.
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(unhandled.map((reason) => (reason instanceof Error ? reason.stack : String(reason)))).toEqual([]);
    } finally {
      await sql.end({ timeout: 1 });
    }
  }, 30_000);
});
