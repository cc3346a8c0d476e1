import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { getServedRuleset } from "~/rollout/served-ruleset.server";
import { listenControl, notificationsUp } from "~/utils/control-notifications.server";
import { useControlDatabase } from "../mismatches/use-control-db";
import { startTcpProxy, type TcpProxy } from "../../support/tcp-proxy";
import { waitFor } from "../../support/wait-for";

// Long enough for postgres.js's own reconnect backoff (0.03 s growing threefold per failed attempt, to 20 s) to
// reach its longest waits with one attempt a second, as in a real outage of half a minute.
const OUTAGE_MS = 20_000;

let control: Awaited<ReturnType<typeof useControlDatabase>>;
let proxy: TcpProxy;

beforeAll(async () => {
  control = await useControlDatabase("notification_outage");
  proxy = await startTcpProxy(control.db.url);
  // This process reaches its control DB only through the proxy, which the test makes refuse connections.
  process.env.CUTOVER_DATABASE_URL = proxy.url(control.db.url);
});

afterAll(async () => {
  await proxy?.accept().catch(() => {});
  await control?.close();
  await proxy?.close();
});

describe("the notification connection after an outage", () => {
  it(
    "does not hold up the first ruleset load after the control DB is back, and listens again within seconds",
    async () => {
      await proxy.refuse();
      // The first API request during the outage opens the LISTEN connection for the token cache; its attempts fail.
      await listenControl("cutover_api_tokens", { onNotify() {}, onListen() {} });
      await new Promise((resolve) => setTimeout(resolve, OUTAGE_MS));
      await proxy.accept();
      const back = Date.now();
      // The first page after the outage loads the ruleset, which subscribes to its channel on the same connection.
      const served = await getServedRuleset();
      const loadMs = Date.now() - back;
      expect(served.ruleset.version).toBeGreaterThanOrEqual(0);
      // Without a bound, the load waited on the LISTEN connection's next attempt, up to 20 s away.
      expect(loadMs).toBeLessThan(5_000);
      await waitFor(() => notificationsUp(), "the LISTEN connection to be back", 5_000);
    },
    OUTAGE_MS + 30_000,
  );
});
