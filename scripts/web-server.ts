import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";
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
  const build = (await import(pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  app.use((req, _res, next) => {
    // The login rate limit keys on the client address: only a trusted proxy may set X-Forwarded-For.
    if (!options.trustProxy) req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    next();
  });
  app.use((req, res, next) => {
    // The API authenticates by bearer token alone: no cookie may reach it (which is why CSRF cannot apply to it).
    if (isBearerApiRequest(req.url)) delete req.headers.cookie;
    const reason = crossSiteReason({ method: req.method, url: req.url, headers: req.headers, encrypted: "encrypted" in req.socket, trustProxy: options.trustProxy ?? false });
    if (!reason) return next();
    const refusal = crossSiteRefusal(req.url, reason);
    res.status(refusal.status).set(refusal.headers).send(refusal.body);
  });
  app.use("/build", express.static(path.join(root, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV ?? "production" }));

  const hot = options.fastApi === false ? undefined : (build.entry.module as { serveHotApi?: HotApi }).serveHotApi;
  const server: Server = createServer((req, res) => {
    if (!hot?.(req, res)) app(req, res);
  });
  const host = options.host ?? "127.0.0.1";
  await new Promise<void>((resolve, reject) => {
    server.once("error", reject);
    server.listen(options.port, host, () => resolve());
  });
  server.keepAliveTimeout = 5_000;
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
