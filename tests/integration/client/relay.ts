import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";

/**
 * An HTTP relay in front of the real app that a test can stop (connection refused: the control plane is down)
 * or make drop the answer after the app has handled the request (the case idempotency keys exist for).
 */
export type RelayMode = "pass" | "lose-response";

export interface Relay {
  url: string;
  mode: RelayMode;
  forwarded: { key: string | null; status: number }[];
  stop(): Promise<void>;
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startRelay(upstream: string): Promise<Relay> {
  const relay: Relay = {
    url: "",
    mode: "pass",
    forwarded: [],
    stop: async () => {},
    start: async () => {},
    close: async () => {},
  };
  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    const headers: Record<string, string> = {};
    for (const name of ["authorization", "content-type", "idempotency-key", "if-none-match"]) {
      const value = req.headers[name];
      if (typeof value === "string") headers[name] = value;
    }
    const upstreamResponse = await fetch(new URL(req.url!, upstream), {
      method: req.method,
      headers,
      body: req.method === "GET" ? undefined : Buffer.concat(chunks),
    });
    const body = Buffer.from(await upstreamResponse.arrayBuffer());
    relay.forwarded.push({ key: headers["idempotency-key"] ?? null, status: upstreamResponse.status });
    if (relay.mode === "lose-response") {
      req.socket.destroy();
      return;
    }
    const out: Record<string, string> = {};
    for (const name of ["content-type", "etag"]) {
      const value = upstreamResponse.headers.get(name);
      if (value) out[name] = value;
    }
    res.writeHead(upstreamResponse.status, out);
    res.end(upstreamResponse.status === 304 ? undefined : body);
  };
  let server: Server;
  const listen = (port: number) =>
    new Promise<void>((resolve, reject) => {
      server = createServer((req, res) => void handler(req, res).catch(() => res.destroy()));
      server.once("error", reject);
      server.listen(port, "127.0.0.1", () => resolve());
    });
  const close = () =>
    new Promise<void>((resolve) => {
      server.close(() => resolve());
      server.closeAllConnections();
    });
  await listen(0);
  const port = (server!.address() as AddressInfo).port;
  relay.url = `http://127.0.0.1:${port}`;
  relay.stop = close;
  relay.start = () => listen(port);
  relay.close = async () => {
    if (server.listening) await close();
  };
  return relay;
}
