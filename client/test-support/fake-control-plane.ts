import { createServer, type IncomingMessage, type Server, type ServerResponse } from "node:http";
import type { AddressInfo } from "node:net";
import type { Ruleset } from "../../app/rollout/types";
import type { MismatchBatchBody } from "../src/mismatch-reporter";

/**
 * A stand-in for the two control-plane endpoints the client talks to, on a real node:http server, so the client's
 * HTTP behaviour (ETags, retries, idempotency keys, outages) is exercised over real sockets. Phase 2 runs the
 * same scenarios against the real app.
 */
export type MismatchBehaviour =
  | "accept"
  /** 503 without processing. */
  | "unavailable"
  /** Processes the batch, then destroys the socket: the client sees a failure and must retry with the same key. */
  | "lose-response"
  /** 400: a permanent refusal. */
  | "reject";

export interface FakeControlPlane {
  url: string;
  token: string;
  setRuleset(ruleset: Ruleset): void;
  /** Makes GET /api/v1/ruleset answer 500 (true) or normally (false). */
  failRuleset(fail: boolean): void;
  setMismatchBehaviour(behaviour: MismatchBehaviour): void;
  rulesetRequests: { ifNoneMatch: string | null; status: number; authorization: string | null }[];
  /** Every POST /api/v1/mismatches attempt, in order. */
  mismatchAttempts: { key: string | null; status: number; authorization: string | null }[];
  /** Batches actually processed (deduplicated by Idempotency-Key). */
  processed: MismatchBatchBody[];
  /** Stops listening and cuts open connections: the client sees connection refused. */
  stop(): Promise<void>;
  /** Listens again on the same port. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export async function startFakeControlPlane(token = "test-token"): Promise<FakeControlPlane> {
  let ruleset: Ruleset | null = null;
  let rulesetFails = false;
  let behaviour: MismatchBehaviour = "accept";
  const seenKeys = new Set<string>();
  const rulesetRequests: FakeControlPlane["rulesetRequests"] = [];
  const mismatchAttempts: FakeControlPlane["mismatchAttempts"] = [];
  const processed: MismatchBatchBody[] = [];

  const handler = async (req: IncomingMessage, res: ServerResponse) => {
    const authorization = req.headers.authorization ?? null;
    if (req.method === "GET" && req.url === "/api/v1/ruleset") {
      const ifNoneMatch = (req.headers["if-none-match"] as string | undefined) ?? null;
      let status: number;
      if (authorization !== `Bearer ${token}`) status = 401;
      else if (rulesetFails || !ruleset) status = 500;
      else if (ifNoneMatch === etagOf(ruleset)) status = 304;
      else status = 200;
      rulesetRequests.push({ ifNoneMatch, status, authorization });
      if (status === 200) {
        res.writeHead(200, { "content-type": "application/json", etag: etagOf(ruleset!) });
        res.end(JSON.stringify(ruleset));
      } else if (status === 304) {
        res.writeHead(304, { etag: etagOf(ruleset!) });
        res.end();
      } else {
        res.writeHead(status, { "content-type": "application/json" });
        res.end(JSON.stringify({ error: "unavailable" }));
      }
      return;
    }
    if (req.method === "POST" && req.url === "/api/v1/mismatches") {
      const chunks: Buffer[] = [];
      for await (const chunk of req) chunks.push(chunk as Buffer);
      const key = (req.headers["idempotency-key"] as string | undefined) ?? null;
      const current = behaviour;
      const status = authorization !== `Bearer ${token}` ? 401 : current === "unavailable" ? 503 : current === "reject" ? 400 : 200;
      mismatchAttempts.push({ key, status: current === "lose-response" ? -1 : status, authorization });
      if (status === 200) {
        // The dedup the real endpoint does: a key seen before is acknowledged without being processed again.
        if (key && !seenKeys.has(key)) {
          seenKeys.add(key);
          processed.push(JSON.parse(Buffer.concat(chunks).toString("utf8")) as MismatchBatchBody);
        }
        if (current === "lose-response") {
          req.socket.destroy();
          return;
        }
      }
      res.writeHead(status, { "content-type": "application/json" });
      res.end(JSON.stringify({ ok: status === 200 }));
      return;
    }
    res.writeHead(404);
    res.end();
  };

  let server: Server = createServer((req, res) => void handler(req, res));
  await listen(server, 0);
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://127.0.0.1:${port}`,
    token,
    setRuleset(next) {
      ruleset = next;
    },
    failRuleset(fail) {
      rulesetFails = fail;
    },
    setMismatchBehaviour(next) {
      behaviour = next;
    },
    rulesetRequests,
    mismatchAttempts,
    processed,
    async stop() {
      await closeServer(server);
    },
    async start() {
      server = createServer((req, res) => void handler(req, res));
      await listen(server, port);
    },
    async close() {
      if (server.listening) await closeServer(server);
    },
  };
}

export function etagOf(ruleset: Ruleset): string {
  return `"ruleset-v${ruleset.version}"`;
}

function listen(server: Server, port: number): Promise<void> {
  return new Promise((resolve, reject) => {
    server.once("error", reject);
    server.listen(port, "127.0.0.1", () => {
      server.off("error", reject);
      resolve();
    });
  });
}

function closeServer(server: Server): Promise<void> {
  return new Promise((resolve) => {
    server.close(() => resolve());
    server.closeAllConnections();
  });
}

/** Polls a condition (no fixed sleeps): resolves when it holds, rejects after the deadline. */
export async function waitFor(condition: () => boolean, timeoutMs = 5_000, what = "condition"): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 5));
  }
}
