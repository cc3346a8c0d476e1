import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

type HotApi = (method: string, url: URL, headers: Headers) => Promise<Response | null>;

/** Serves a hot API path straight from its route loader (see app/api-fast-path.server.ts), else hands over. */
async function serveHot(hot: HotApi, req: IncomingMessage, res: ServerResponse, fallback: () => void) {
  try {
    const headers = new Headers();
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === "string") headers.set(name, value);
      else if (Array.isArray(value)) for (const v of value) headers.append(name, v);
    }
    const response = await hot(req.method ?? "GET", new URL(req.url ?? "/", "http://localhost"), headers);
    if (!response) return fallback();
    const body = response.body ? Buffer.from(await response.arrayBuffer()) : undefined;
    res.writeHead(response.status, Object.fromEntries(response.headers));
    res.end(body);
  } catch (error) {
    process.stderr.write(`api error: ${error instanceof Error ? error.stack : String(error)}\n`);
    if (!res.headersSent) res.writeHead(500, { "Content-Type": "application/json" });
    res.end(JSON.stringify({ error: { status: 500, message: "Internal error" } }));
  }
}

export interface WebServer {
  url: string;
  close(): Promise<void>;
}

/** Serves the built Remix app (build/ + public/build) with express. */
export async function startWebServer(options: { port: number; host?: string; root?: string; trustProxy?: boolean }): Promise<WebServer> {
  const root = options.root ?? process.cwd();
  const build = (await import(pathToFileURL(path.join(root, "build/index.js")).href)) as ServerBuild;
  const app = express();
  app.disable("x-powered-by");
  app.use((req, _res, next) => {
    // The login rate limit keys on the client address: only a trusted proxy may set X-Forwarded-For.
    if (!options.trustProxy) req.headers["x-forwarded-for"] = req.socket.remoteAddress ?? "unknown";
    next();
  });
  app.use("/build", express.static(path.join(root, "public/build"), { immutable: true, maxAge: "1y" }));
  app.use(express.static(path.join(root, "public"), { maxAge: "1h" }));
  app.all("*", createRequestHandler({ build, mode: process.env.NODE_ENV ?? "production" }));

  const hot = (build.entry.module as { hotApiResponse?: HotApi }).hotApiResponse;
  const server: Server = createServer((req, res) => {
    if (hot && req.method === "GET" && req.url?.startsWith("/api/v1/")) void serveHot(hot, req, res, () => app(req, res));
    else app(req, res);
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
