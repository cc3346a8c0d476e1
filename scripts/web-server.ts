import { createRequestHandler } from "@remix-run/express";
import type { ServerBuild } from "@remix-run/node";
import express from "express";
import type { Server } from "node:http";
import path from "node:path";
import { pathToFileURL } from "node:url";

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

  const host = options.host ?? "127.0.0.1";
  const server: Server = await new Promise((resolve, reject) => {
    const s = app.listen(options.port, host, () => resolve(s));
    s.on("error", reject);
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
