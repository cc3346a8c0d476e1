import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { applySecurityHeaders } from "../../app/http/security-headers.server";
import { startWebServer } from "../../scripts/web-server";

/**
 * Two servers on the built app, to hold the node-native fast path (app/api-fast-path.server.ts) to the Remix
 * routes: `remixUrl` sends everything through Remix, `fastOnlyUrl` serves only what the fast path takes and
 * answers 599 to anything it declines, so each answer also shows which path ran. Start the test app first.
 */
export async function startFastPathServers(): Promise<{ remixUrl: string; fastOnlyUrl: string; close(): Promise<void> }> {
  const remix = await startWebServer({ port: 0, fastApi: false });
  const build = await import(pathToFileURL(path.resolve("build/index.js")).href);
  const serveHotApi = build.entry.module.serveHotApi as (req: IncomingMessage, res: ServerResponse) => boolean;
  const fastOnly: Server = createServer((req, res) => {
    // The headers every answer of the real web server carries, whichever path made it.
    applySecurityHeaders(req, res, false);
    if (serveHotApi(req, res)) return;
    res.writeHead(599);
    res.end();
  });
  await new Promise<void>((resolve) => fastOnly.listen(0, "127.0.0.1", resolve));
  const address = fastOnly.address();
  return {
    remixUrl: remix.url,
    fastOnlyUrl: `http://127.0.0.1:${typeof address === "object" && address ? address.port : 0}`,
    async close() {
      fastOnly.closeAllConnections();
      fastOnly.close();
      await remix.close();
    },
  };
}
