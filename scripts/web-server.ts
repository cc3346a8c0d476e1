import { createRequestHandler } from "@remix-run/express";
import { broadcastDevReady, type ServerBuild } from "@remix-run/node";
import express from "express";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
import { refuseRequest, type Refusal } from "../app/http/request-gate.server";
import { guardServerBuild } from "../app/http/route-guard.server";
import { applySecurityHeaders, newCspNonce } from "../app/http/security-headers.server";
import { crossSiteReason, crossSiteRefusal, isBearerApiRequest } from "../app/utils/csrf.server";

/** The node-native fast path of the hottest API GETs (app/api-fast-path.server.ts): true when it took the request. */
type HotApi = (req: IncomingMessage, res: ServerResponse) => boolean;

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves the built Remix app (build/ + public/build) with express, the hottest API GETs ahead of it.
 * `fastApi: false` sends those through Remix too (tests compare both answers).
 */
export async function startWebServer(options: { port: number; host?: string; root?: string; trustProxy?: boolean; fastApi?: boolean }): Promise<WebServer> {
  const root = options.root ?? process.cwd();
  const build = guardServerBuild((await import(pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild);
  const trustProxy = options.trustProxy === true;
  const app = express();
  // Never express's development error page (stack traces with absolute paths), whatever NODE_ENV says.
  app.set("env", "production");
  app.disable("x-powered-by");
  app.use((req, res, next) => {
    // The API authenticates by bearer token alone: no cookie may reach it (which is why CSRF cannot apply to it).
    if (isBearerApiRequest(req.url)) delete req.headers.cookie;
    const reason = crossSiteReason({ method: req.method, url: req.url, headers: req.headers, encrypted: "encrypted" in req.socket, trustProxy });
    if (!reason) return next();
    const refusal = crossSiteRefusal(req.url, reason);
    res.status(refusal.status).set(refusal.headers).send(refusal.body);
  });
  app.use("/build", express.static(path.join(root, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
  app.all(
    "*",
    createRequestHandler({
      build,
      // A development build (`npm run dev`) gets Remix's development mode: errors with their stacks on the page.
      mode: build.mode === "development" ? "development" : "production",
      getLoadContext: (_req, res) => ({ cspNonce: (res.locals.cspNonce ??= newCspNonce()) as string }),
    }),
  );
  app.use((error: unknown, _req: express.Request, res: express.Response, _next: express.NextFunction) => {
    internalError(res, error);
  });

  const hot = options.fastApi === false ? undefined : (build.entry.module as { serveHotApi?: HotApi }).serveHotApi;
  const server: Server = createServer((req, res) => {
    try {
      applySecurityHeaders(req, res, trustProxy);
      const refusal = refuseRequest(req.method, req.url, req.headers);
      if (refusal) return refuse(res, refusal);
      if (!trustProxy) {
        // The login rate limit keys on the client address and the session cookie's Secure flag on the protocol:
        // only a trusted proxy may say either.
        req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
        delete req.headers["x-forwarded-proto"];
        delete req.headers["x-forwarded-host"];
      }
      if (!hot?.(req, res)) app(req, res);
    } catch (error) {
      internalError(res, error);
    }
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  server.keepAliveTimeout = 5_000;
  // Under `remix dev`: tells it this build is being served, so it reloads the browser.
  if (build.mode === "development" && process.env.REMIX_DEV_ORIGIN) await broadcastDevReady(build);
  const address = server.address();
  const port = typeof address === "object" && address ? address.port : options.port;
  return {
    url: `http://${host === "0.0.0.0" ? "localhost" : host}:${port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        // Keep-alive browser connections would otherwise hold shutdown open.
        server.closeAllConnections();
      }),
  };
}

function refuse(res: ServerResponse, refusal: Refusal) {
  const body = JSON.stringify({ error: { status: refusal.status, message: refusal.message } });
  // The request's body is not read: close the connection rather than parse what follows it as a request.
  res.writeHead(refusal.status, {
    ...refusal.headers,
    "Content-Type": "application/json; charset=utf-8",
    "Content-Length": Buffer.byteLength(body),
    Connection: "close",
  });
  res.end(body);
}

/** A bug, not the caller's fault: logged with its stack here, answered without one. */
function internalError(res: ServerResponse, error: unknown) {
  process.stderr.write(`web error: ${error instanceof Error ? error.stack : String(error)}\n`);
  if (res.headersSent) {
    res.destroy();
    return;
  }
  const body = JSON.stringify({ error: { status: 500, message: "Internal error." } });
  res.writeHead(500, { "Content-Type": "application/json; charset=utf-8", "Content-Length": Buffer.byteLength(body) });
  res.end(body);
}
